import Testing
import ZTIAvaya
import ZTITestKit

struct DMCCMessageTests {
    static func decode(_ xml: String) throws(ZTIAvayaError) -> DMCCMessage {
        try DMCCMessage.decode(DMCCFrame(invokeID: 9999, xml: xml))
    }

    /// A Delivered event as AES serialises it: a `csta:` prefix on the root, private data with an `ns1:` prefix
    /// that is never declared (AES's own clients match local names, so must we).
    static let delivered = """
        <?xml version="1.0" encoding="UTF-8"?>
        <csta:DeliveredEvent xmlns:csta="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
          <csta:monitorCrossRefID>3</csta:monitorCrossRefID>
          <csta:connection><csta:callID>179</csta:callID><csta:deviceID>3201:CM1:10.0.0.5:0</csta:deviceID></csta:connection>
          <csta:alertingDevice><csta:deviceIdentifier>3201:CM1:10.0.0.5:0</csta:deviceIdentifier></csta:alertingDevice>
          <csta:callingDevice><csta:deviceIdentifier> 0312345678:CM1::0</csta:deviceIdentifier></csta:callingDevice>
          <csta:calledDevice><csta:deviceIdentifier>3900:CM1::0</csta:deviceIdentifier></csta:calledDevice>
          <csta:lastRedirectionDevice><csta:notRequired/></csta:lastRedirectionDevice>
          <csta:localConnectionInfo>alerting</csta:localConnectionInfo>
          <csta:cause>newCall</csta:cause>
          <csta:callLinkageData><csta:globalCallData><csta:globalCallLinkageID>
            <csta:globallyUniqueCallLinkageID>00001001791428242051</csta:globallyUniqueCallLinkageID>
          </csta:globalCallLinkageID></csta:globalCallData></csta:callLinkageData>
          <csta:extensions><csta:privateData><csta:private>
            <ns1:DeliveredEventPrivateData xsi:type="ns1:DeliveredEventPrivateData"><ns1:trunkGroup>12</ns1:trunkGroup></ns1:DeliveredEventPrivateData>
          </csta:private></csta:privateData></csta:extensions>
        </csta:DeliveredEvent>
        """

    @Test func whatAESSendsReachesNoLogLineRaw() {
        // A refusal quoting AES's own text: its control characters are escaped before a log line or status shows it.
        let error = ZTIAvayaError(.sessionRefused, "AES refused the session: \u{1B}[2Jbad\r\nforged line")
        #expect(error.message == "AES refused the session: \\u001B[2Jbad\\u000D\\u000Aforged line")
    }

    @Test func aDeliveredEventIsReadByLocalNamesWithItsParties() throws {
        guard case .event(let event) = try Self.decode(Self.delivered) else {
            Issue.record("not an event")
            return
        }
        #expect(event.kind == .delivered)
        #expect(event.monitorCrossRefID == "3")
        #expect(event.callID == "179")
        #expect(event.connectionDevice?.number == "3201")
        #expect(event.parties["alertingDevice"]?.isNumber("3201") == true)
        #expect(event.parties["callingDevice"]?.number == "0312345678")
        #expect(event.parties["calledDevice"]?.number == "3900")
        #expect(event.parties["lastRedirectionDevice"] == .notKnown)
        #expect(event.localConnectionInfo == "alerting")
        #expect(event.cause == "newCall")
        #expect(event.ucid == "00001001791428242051")
    }

    @Test func aTransferCarriesTheOldCallsAndTheNewConnections() throws {
        let xml = """
            <TransferedEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">
              <monitorCrossRefID>4</monitorCrossRefID>
              <primaryOldCall><callID>21</callID><deviceID>3201:CM1::0</deviceID></primaryOldCall>
              <secondaryOldCall><callID>22</callID><deviceID>3201:CM1::0</deviceID></secondaryOldCall>
              <transferringDevice><deviceIdentifier>3201:CM1::0</deviceIdentifier></transferringDevice>
              <transferredToDevice><deviceIdentifier>3202:CM1::0</deviceIdentifier></transferredToDevice>
              <transferredConnections>
                <connectionListItem><newConnection><callID>22</callID><deviceID>0312345678:CM1::0</deviceID></newConnection>
                  <oldConnection><callID>21</callID><deviceID>0312345678:CM1::0</deviceID></oldConnection>
                  <endpoint><deviceID>0312345678:CM1::0</deviceID></endpoint></connectionListItem>
                <connectionListItem><newConnection><callID>22</callID><deviceID>3202:CM1::0</deviceID></newConnection>
                  <oldConnection><callID>22</callID><deviceID>3202:CM1::0</deviceID></oldConnection>
                  <endpoint><deviceID>3202:CM1::0</deviceID></endpoint></connectionListItem>
              </transferredConnections>
              <localConnectionInfo>null</localConnectionInfo>
              <cause>transfer</cause>
            </TransferedEvent>
            """
        guard case .event(let event) = try Self.decode(xml) else {
            Issue.record("not an event")
            return
        }
        #expect(event.kind == .transfered)
        #expect(event.primaryOldCallID == "21")
        #expect(event.secondaryOldCallID == "22")
        #expect(event.parties["transferredToDevice"]?.number == "3202")
        #expect(
            event.connections == [
                .init(newCallID: "22", oldCallID: "21", device: .device("0312345678:CM1::0")),
                .init(newCallID: "22", oldCallID: "22", device: .device("3202:CM1::0")),
            ])
    }

    @Test func responsesAndErrorsDecode() throws {
        #expect(
            try Self.decode(
                """
                <StartApplicationSessionPosResponse xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session">
                <sessionID>469421A9364D46D6444524AE41BEAD72-0</sessionID>
                <actualProtocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv6</actualProtocolVersion>
                <actualSessionDuration>180</actualSessionDuration></StartApplicationSessionPosResponse>
                """)
                == .sessionStarted(
                    sessionID: "469421A9364D46D6444524AE41BEAD72-0",
                    protocolVersion: "http://www.ecma-international.org/standards/ecma-323/csta/ed3/priv6",
                    duration: 180))
        #expect(
            try Self.decode(
                "<StartApplicationSessionNegResponse><errorCode><definedError>maxNumberSessions</definedError></errorCode></StartApplicationSessionNegResponse>"
            ) == .sessionRefused(reason: "maxNumberSessions"))
        #expect(
            try Self.decode(
                "<ApplicationSessionTerminated><sessionID>S</sessionID><sessionTermReason><definedTermReason>sessionTimerExpired</definedTermReason></sessionTermReason></ApplicationSessionTerminated>"
            ) == .sessionTerminated(reason: "sessionTimerExpired"))
        #expect(
            try Self.decode("<ns2:CSTAErrorCode><ns2:operation>invalidDeviceID</ns2:operation></ns2:CSTAErrorCode>")
                == .error(category: "operation", value: "invalidDeviceID"))
        #expect(
            try Self.decode(
                "<GetThirdPartyDeviceIdResponse><device>3201:CM1::0</device></GetThirdPartyDeviceIdResponse>")
                == .deviceID("3201:CM1::0"))
        #expect(
            try Self.decode("<MonitorStartResponse><monitorCrossRefID>5</monitorCrossRefID></MonitorStartResponse>")
                == .monitorStarted(crossRefID: "5"))
        #expect(
            try Self.decode("<MonitorStop><monitorCrossRefID>5</monitorCrossRefID></MonitorStop>")
                == .monitorEnded(crossRefID: "5"))
        #expect(
            try Self.decode(
                """
                <MakeCallResponse><callingDevice><callID>180</callID><deviceID>3201:CM1::0</deviceID></callingDevice>
                <extensions><privateData><private><ns1:MakeCallResponsePrivateData><ns1:callLinkageData><ns1:globalCallData>
                <ns1:globalCallLinkageID><ns1:globallyUniqueCallLinkageID>00001001801428242060</ns1:globallyUniqueCallLinkageID>
                </ns1:globalCallLinkageID></ns1:globalCallData></ns1:callLinkageData></ns1:MakeCallResponsePrivateData>
                </private></privateData></extensions></MakeCallResponse>
                """) == .callMade(callID: "180", device: "3201:CM1::0", ucid: "00001001801428242060"))
        #expect(
            try Self.decode(
                """
                <SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData>
                <snapshotDeviceResponseInfo><connectionIdentifier><callID>181</callID><deviceID>3201:CM1::0</deviceID></connectionIdentifier>
                <localCallState><compoundCallState><localConnectionState>connected</localConnectionState></compoundCallState></localCallState></snapshotDeviceResponseInfo>
                </snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>
                """) == .snapshot([.init(callID: "181", device: "3201:CM1::0", localCallState: "connected")]))
        #expect(try Self.decode("<SystemStatus/>") == .other(name: "SystemStatus"))
    }

    @Test func aKnownMessageWithoutAFieldItNeedsIsATypedError() {
        for xml in [
            "<StartApplicationSessionPosResponse><sessionID>S</sessionID></StartApplicationSessionPosResponse>",
            "<DeliveredEvent><cause>newCall</cause></DeliveredEvent>",
            "<MakeCallResponse><callingDevice/></MakeCallResponse>",
            "<ResetApplicationSessionTimerPosResponse><actualSessionDuration>-1</actualSessionDuration></ResetApplicationSessionTimerPosResponse>",
        ] {
            do {
                _ = try Self.decode(xml)
                Issue.record("accepted \(xml)")
            } catch {
                #expect(error.code == .xmlMalformed, "\(xml)")
            }
        }
    }

    @Test func documentsWeRefuseAreTypedErrors() {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
            <DeliveredEvent><monitorCrossRefID>&lol2;</monitorCrossRefID></DeliveredEvent>
            """
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        for xml in [laughs, deep, "<DeliveredEvent><monitorCrossRefID>1</DeliveredEvent>", "", "not xml", "<a></b>"] {
            do {
                _ = try Self.decode(xml)
                Issue.record("accepted \(xml.prefix(40))")
            } catch {
                #expect(error.code == .xmlMalformed, "\(xml.prefix(40))")
            }
        }
    }

    /// Random bytes, and random cuts of a real event, never crash the parser.
    @Test func garbageNeverCrashesTheParser() {
        var random = SplitMix64(seed: 0x5EED)
        let sample = Array(Self.delivered.utf8)
        var refused = 0
        for round in 0..<500 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                bytes = Array(sample.prefix(Int(random.next() % UInt64(sample.count))))
                if !bytes.isEmpty { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(ascii: "<") }
            }
            do {
                _ = try DMCCMessage.decode(DMCCFrame(invokeID: 9999, xml: bytes))
            } catch {
                refused += 1
                #expect([.xmlMalformed].contains(error.code))
            }
        }
        #expect(refused > 400)
    }

    @Test func partiesCompareByTheirNumberAndHiddenOnesAreMarked() throws {
        let xml = """
            <ConnectionClearedEvent><monitorCrossRefID>2</monitorCrossRefID>
            <droppedConnection><callID>7</callID><deviceID> 3201 :CM1:10.0.0.5:0</deviceID></droppedConnection>
            <releasingDevice><deviceIdentifier>3201:cm1::0</deviceIdentifier></releasingDevice>
            <callingDevice><restricted/></callingDevice><calledDevice><notKnown/></calledDevice>
            <localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause></ConnectionClearedEvent>
            """
        guard case .event(let event) = try Self.decode(xml) else {
            Issue.record("not an event")
            return
        }
        #expect(event.kind == .connectionCleared)
        #expect(event.callID == "7")
        #expect(event.connectionDevice?.number == "3201")
        #expect(event.parties["releasingDevice"]?.isNumber("3201") == true)
        #expect(event.parties["releasingDevice"]?.isNumber("3202") == false)
        #expect(event.parties["callingDevice"] == .restricted)
        #expect(event.parties["calledDevice"] == .notKnown)
        #expect(event.parties["callingDevice"]?.number == nil)
        #expect(event.ucid == nil)
    }
}
