import Glibc

// The libFuzzer entry of the ZTICore targets (frames, events, properties, clicktodial): one binary, so that the sanitized
// ZTICore is compiled once; ZTI_FUZZ_TARGET (set by bin/fuzz.sh) says which parser this run fuzzes.
let coreTarget = getenv("ZTI_FUZZ_TARGET").map { String(cString: $0) } ?? "frames"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCore(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    switch coreTarget {
    case "events": return fuzzEvents(data, size)
    case "properties": return fuzzProperties(data, size)
    case "clicktodial": return fuzzClickToDial(data, size)
    default: return fuzzFrames(data, size)
    }
}
