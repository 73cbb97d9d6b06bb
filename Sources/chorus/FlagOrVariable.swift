import Foundation

/// `flag`, or else the environment variable `variable` when it is set and not empty: how the
/// client commands (`publish`, `token`) read their few settings. `serve` reads its own through
/// `NodeSettings`.
func flagOrVariable(_ flag: String?, _ variable: String) -> String? {
    flag ?? ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
}
