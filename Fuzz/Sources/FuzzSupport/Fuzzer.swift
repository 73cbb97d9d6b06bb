/// Runs one fuzz target under libFuzzer.
///
/// SwiftPM links every executable with its own `main` (renamed, for testing), so a target cannot
/// rely on libFuzzer's `main` calling `LLVMFuzzerTestOneInput`. Instead each target's `main.swift`
/// calls ``Fuzzer/run(_:)``, which hands libFuzzer's own driver the command line and the test.
public enum Fuzzer {
    /// Runs libFuzzer's driver with this process's arguments and `test` as the target; never returns.
    ///
    /// `test` gets each input; it must trap (through ``expect(_:_:)``) when an invariant breaks,
    /// and return normally otherwise.
    public static func run(_ test: @escaping ([UInt8]) -> Void) -> Never {
        currentTest = test
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    }
}

/// Stops the run with `message` (libFuzzer then saves the input as a crash) when `condition` is false.
public func expect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("invariant broken: \(message())", file: file, line: line)
    }
}

// libFuzzer calls the test from one thread, one input at a time, after `run` has set it.
nonisolated(unsafe) private var currentTest: (([UInt8]) -> Void)?

/// libFuzzer's entry point for one input. Also the symbol its own `main` (linked in, but never
/// run: SwiftPM's `main` comes first) refers to, so it must exist.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let test = currentTest else { fatalError("Fuzzer.run was not called: the target's main.swift must call it") }
    test(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_silgen_name("exit")
private func exit(_ status: CInt) -> Never
