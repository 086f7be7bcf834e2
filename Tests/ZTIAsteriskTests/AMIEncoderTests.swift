import Testing

@testable import ZTIAsterisk

/// The AMI encoder writes actions exactly and refuses every injection.
@Suite struct AMIEncoderTests {
    private func text(_ action: AMIAction) throws -> String {
        String(decoding: try AMIEncoder.encode(action), as: UTF8.self)
    }

    private func refusal(_ action: AMIAction) -> ZTIAsteriskError? {
        do {
            _ = try AMIEncoder.encode(action)
            return nil
        } catch {
            return error
        }
    }

    @Test func anOriginateIsWrittenInOrderWithOneVariableHeaderEach() throws {
        let action = AMIAction(
            "Originate", actionID: "c2d-42",
            headers: [
                AMIHeader("Channel", "SIP/201"), AMIHeader("Context", "from-internal"),
                AMIHeader("Exten", "0612345678"),
                AMIHeader("Priority", "1"), AMIHeader("Async", "true"),
            ],
            variables: [("ZTI_C2D", "c2d-42"), ("CALLERID(name)", "Click to dial")])
        #expect(
            try text(action)
                == "Action: Originate\r\nActionID: c2d-42\r\nChannel: SIP/201\r\nContext: from-internal\r\n"
                + "Exten: 0612345678\r\nPriority: 1\r\nAsync: true\r\nVariable: ZTI_C2D=c2d-42\r\n"
                + "Variable: CALLERID(name)=Click to dial\r\n\r\n")
    }

    @Test func whatItWritesDecodesBackAsAnAction() throws {
        let action = AMIAction(
            "Login", actionID: "1", headers: [AMIHeader("Username", "zti"), AMIHeader("Secret", "s:e")])
        var decoder = AMIDecoder()
        decoder.feed(try AMIEncoder.encode(action))
        let decoded = decoder.next()
        let message = try #require(decoded)
        #expect(message.kind == .action)
        #expect(message["Secret"] == "s:e")
    }

    @Test(arguments: [
        "0612345678\r\nAction: Command\r\nCommand: core stop now", "061\n", "061\r", "061\u{0}", "\r\n\r\n",
    ])
    func lineBreaksAndNULInAValueAreRefused(value: String) {
        let error = refusal(AMIAction("Originate", actionID: "1", headers: [AMIHeader("Exten", value)]))
        #expect(error?.code == .actionRefused)
        #expect(error?.message.contains("\r") == false)
        #expect(error?.message.contains("\n") == false)
    }

    @Test func injectionThroughTheActionIDNameOrAVariableIsRefused() {
        #expect(refusal(AMIAction("Ping", actionID: "1\r\nAction: Logoff")) != nil)
        #expect(refusal(AMIAction("Ping\r\nAction: Logoff")) != nil)
        #expect(refusal(AMIAction("Ping", headers: [AMIHeader("X\r\nAction", "Logoff")])) != nil)
        #expect(refusal(AMIAction("Originate", variables: [("A", "1\r\nAction: Logoff")])) != nil)
        #expect(refusal(AMIAction("Originate", variables: [("A=B", "1")])) != nil)
        #expect(refusal(AMIAction("Ping", headers: [AMIHeader("Bad: Key", "v")])) != nil)
        #expect(refusal(AMIAction("Ping", headers: [AMIHeader("", "v")])) != nil)
    }

    @Test func aLineOf1KBOrMoreIsRefused() throws {
        let fits = String(repeating: "9", count: 1024 - "Exten: ".count - 2 - 1)
        _ = try AMIEncoder.encode(AMIAction("Originate", headers: [AMIHeader("Exten", fits)]))
        let error = refusal(AMIAction("Originate", headers: [AMIHeader("Exten", fits + "9")]))
        #expect(
            error?.message
                == "Originate: the Exten line would be 1024 bytes; Asterisk drops lines of 1024 bytes or more")
    }

    @Test func moreThan128HeadersAreRefused() {
        let headers = (0..<127).map { AMIHeader("H\($0)", "v") }
        #expect(refusal(AMIAction("X", headers: headers)) == nil)
        #expect(refusal(AMIAction("X", actionID: "1", headers: headers))?.code == .actionRefused)
    }
}
