import DramaFuzz

// libFuzzer's entry point; built only with DRAMAWIRE_FUZZ=1 and --sanitize=fuzzer (deploy/dev fuzz).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzChecks.extract(start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
    return 0
}
