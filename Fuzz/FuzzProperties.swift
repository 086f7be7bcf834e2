// libFuzzer target: the `.properties` parser and the configuration validation (Sources/ZTICore).
// Beyond "no crash": every diagnostic is printable (no control character reaches a terminal), keys are unique,
// and a file that is not text gives exactly one error and no keys.

func fuzzProperties(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file = PropertiesFile.parse(bytes, path: "fuzz.properties")
    precondition(Set(file.entries.map(\.key)).count == file.entries.count, "duplicate keys kept")
    if PropertiesParser.notText(bytes) != nil {
        precondition(file.entries.isEmpty && file.diagnostics.count == 1, "a non-text file was read as keys")
    }
    let (_, global) = GlobalConfigReader.read(file, confDir: "/nonexistent-fuzz")
    let group = GroupConfigReader.read(file, key: "fuzz", confDir: "/nonexistent-fuzz")
    for diagnostic in file.diagnostics + global + group.diagnostics {
        let line = diagnostic.description
        precondition(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, line)
    }
    return 0
}
