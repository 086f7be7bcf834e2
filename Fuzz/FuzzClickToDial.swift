// libFuzzer target: the click-to-dial request handling (Sources/ZTICore/ClickToDialRequest.swift), as a pure
// function of the received bytes: query, form and JSON bodies, the token, the user and the number checks.
// Beyond "no crash": a request is accepted only with the right token, and what it dials is only 0-9 * # (nothing
// that could end an AMI line or a DMCC element); a refusal is a 4xx with a message free of control characters.

let clickToDialGroups: [GroupConfig] = {
    let text = """
        pbx.type = asterisk
        pbx.host = 192.0.2.10
        pbx.username = zti
        pbx.password = x
        pbx.dialcodes = LONGDIS:1000;LOCAL:9
        user.alice.crmuser = 111
        user.alice.extension = 101
        user.alice.dialcode = LOCAL
        user.bob.crmuser = 222
        user.bob.extension = 102
        user.bob.dialcode = none
        """
    let file = PropertiesFile.parse(Array(text.utf8), path: "fuzz.properties")
    return [GroupConfigReader.read(file, key: "sales", confDir: "/nonexistent-fuzz", requireCredentials: false).group!]
}()
let clickToDialSecret = Array("c2d-secret".utf8)

/// The input: a method byte, then the target line, header lines and the body, separated by blank lines.
func fuzzClickToDial(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let method = ["POST", "GET", "PUT"][Int(data[0]) % 3]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let parts = text.components(separatedBy: "\n\n")
    let target = parts.first ?? ""
    var headers: [String: String] = [:]
    for line in (parts.count > 1 ? parts[1] : "").split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
    }
    let body = Array(parts.dropFirst(2).joined(separator: "\n\n").utf8)
    switch ClickToDialRequest.parse(
        method: method, target: target, headers: headers, body: body, secret: clickToDialSecret,
        groups: clickToDialGroups)
    {
    case .success(let request):
        precondition(text.contains("c2d-secret"), "accepted without the token")
        precondition(
            !request.dialString.isEmpty && request.dialString.allSatisfy { "0123456789*#".contains($0) },
            "dials \(request.dialString)")
    case .failure(let refusal):
        precondition([400, 401, 404, 405].contains(refusal.status), "status \(refusal.status)")
        precondition(!refusal.message.unicodeScalars.contains { $0.value < 0x20 }, "a control character in a refusal")
    }
    return 0
}
