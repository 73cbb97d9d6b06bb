import HTTPTypes

extension HTTPField.Name {
    /// `Idempotency-Key`: makes a retried `POST /publish` publish at most once.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
