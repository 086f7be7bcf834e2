import Testing
import ZTIAvaya

struct DMCCRequestTests {
    static func parsed(_ request: DMCCRequest) throws -> DMCCElement {
        let bytes = try request.encoded(invokeID: 7)
        var decoder = DMCCFrameDecoder()
        decoder.feed(bytes)
        let frame = try #require(try decoder.next())
        #expect(frame.invokeID == 7)
        return try DMCCXMLParser.parse(frame.xml)
    }

    @Test func startApplicationSessionCarriesTheLoginTheVersionsNewestFirstAndTheNamespaces() throws {
        let request = DMCCRequest.startApplicationSession(
            .init(
                applicationID: "ztisup-pbx2", userName: "ctiuser", password: "s3cret", cleanupDelay: 60, duration: 180))
        let text = try request.element().document
        #expect(text.contains(#"xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session""#))
        #expect(text.contains(#"xmlns:ns1="http://www.avaya.com/csta""#))
        let root = try Self.parsed(request)
        #expect(root.name == "StartApplicationSession")
        let login = try #require(root.child(at: "applicationInfo", "applicationSpecificInfo", "SessionLoginInfo"))
        #expect(login.child("userName")?.text == "ctiuser")
        #expect(login.child("password")?.text == "s3cret")
        #expect(login.child("sessionCleanupDelay")?.text == "60")
        #expect(login.child("sessionID")?.text == "")
        let versions = root.child("requestedProtocolVersions")?.children.map(\.text) ?? []
        #expect(versions.first?.hasSuffix("/csta/ed3/privE") == true)
        #expect(versions.last?.hasSuffix("/csta/ed3/priv6") == true)
        #expect(root.child("requestedSessionDuration")?.text == "180")

        let recover = DMCCRequest.startApplicationSession(
            .init(
                applicationID: "a", userName: "u", password: "p", cleanupDelay: 60,
                recoverSessionID: "469421A9364D46D6444524AE41BEAD72-0", duration: 180))
        #expect(
            try Self.parsed(recover).first("sessionID")?.text == "469421A9364D46D6444524AE41BEAD72-0")
    }

    /// Text an administrator or a user controls is escaped: it comes back as it was, and adds no element.
    @Test func markupInValuesCannotChangeTheDocument() throws {
        let hostile = #"p</ns1:password><ns1:userName>root</ns1:userName><x a="'&amp;"#
        let request = DMCCRequest.startApplicationSession(
            .init(applicationID: "a&b <c>", userName: "ctiuser", password: hostile, cleanupDelay: 60, duration: 180))
        let root = try Self.parsed(request)
        let login = try #require(root.first("SessionLoginInfo"))
        #expect(login.children.map(\.name) == ["userName", "password", "sessionCleanupDelay", "sessionID"])
        #expect(login.child("password")?.text == hostile)
        #expect(login.child("userName")?.text == "ctiuser")
        #expect(root.first("applicationID")?.text == "a&b <c>")
        #expect(DMCCElement.escape("a\u{1}b", quotes: false) == "a\u{FFFD}b")
    }

    @Test func anInjectionInANumberIsRefusedBeforeAnyXMLIsBuilt() {
        let calling = "3201:CM1::0"
        for number in [
            "123</calledDirectoryNumber><x/>", "+4930123456", "0 30 123", "12a", "", String(repeating: "1", count: 65),
        ] {
            do {
                _ = try DMCCRequest.makeCall(callingDevice: calling, number: number, switchName: "CM1").element()
                Issue.record("built a MakeCall to \(number)")
            } catch {
                #expect(error.code == .requestRefused)
                #expect(error.message.contains("nothing was sent to AES"))
            }
        }
        #expect(throws: ZTIAvayaError.self) {
            try DMCCRequest.getThirdPartyDeviceID(switchName: "CM1\"/><x", extension: "3201").element()
        }
        #expect(throws: ZTIAvayaError.self) {
            try DMCCRequest.makeCall(callingDevice: "32<01", number: "123", switchName: "CM1").element()
        }
    }

    @Test func makeCallDialsTheNumberExactlyAsGivenOnTheSwitch() throws {
        let root = try Self.parsed(.makeCall(callingDevice: "3201:CM1::0", number: "9004930123456#", switchName: "CM1"))
        #expect(root.name == "MakeCall")
        #expect(root.children.map(\.name) == ["callingDevice", "calledDirectoryNumber"])
        #expect(root.child("callingDevice")?.text == "3201:CM1::0")
        #expect(root.child("calledDirectoryNumber")?.text == "9004930123456#:CM1::0")
        #expect(root.child("calledDirectoryNumber")?.attribute("typeOfNumber") == "other")
    }

    @Test func monitorStartAsksForTheCallControlEventsWithTheInvertedFilter() throws {
        let root = try Self.parsed(.monitorStart(device: "3201:CM1::0"))
        #expect(root.child(at: "monitorObject", "deviceObject")?.text == "3201:CM1::0")
        let flags = root.child(at: "requestedMonitorFilter", "callcontrol")?.children ?? []
        #expect(flags.map(\.name) == DMCCRequest.monitoredEvents)
        #expect(flags.allSatisfy { $0.text == "true" })
        #expect(root.child(at: "extensions", "privateData", "private", "AvayaEvents", "invertFilter")?.text == "true")
    }

    @Test func theOtherRequestsHaveTheirFields() throws {
        #expect(
            try Self.parsed(.getThirdPartyDeviceID(switchName: "CM1", extension: "3201")).children.map(\.text)
                == ["CM1", "3201"])
        #expect(try Self.parsed(.monitorStop(crossRefID: "12")).child("monitorCrossRefID")?.text == "12")
        #expect(try Self.parsed(.releaseDeviceID(device: "3201:CM1::0")).child("device")?.text == "3201:CM1::0")
        #expect(try Self.parsed(.snapshotDevice(device: "3201:CM1::0")).child("snapshotObject")?.text == "3201:CM1::0")
        let reset = try Self.parsed(.resetApplicationSessionTimer(sessionID: "S-0", duration: 180))
        #expect(reset.children.map(\.text) == ["S-0", "180"])
        let stop = try Self.parsed(.stopApplicationSession(sessionID: "S-0"))
        #expect(stop.child(at: "sessionEndReason", "definedEndReason")?.text == "normal")
    }
}
