import Foundation
import Testing
import ZTITestKit

@testable import ZTICore

/// The process wire format: any fragmentation, the cap, the allow-table, and garbage that must not crash.
@Suite struct FrameCodecTests {
    private static let event = CallEvent(
        group: "sales", pbx: .asterisk, callId: "1732526400.42", direction: .inbound, state: .ringing,
        extension: "101", attempt: 1, at: EventTime(millisecondsSinceEpoch: 1_732_526_400_123), from: "0312345678")

    /// Frames a worker sends its supervisor, encoded back to back.
    private static func workerStream() throws -> [UInt8] {
        let frames: [Frame] = [
            .hello(Hello(role: .worker, pid: 4312, group: "sales")),
            .event(event, resumeKey: nil),
            .heartbeat(Heartbeat(link: .connected, family: "12", pbxVersion: "20.5.0", activeCalls: 2, eventsIn: 10)),
            .dialResult(DialResult(clickToDialId: "c2d-1", group: "sales", status: .accepted)),
        ]
        return try frames.flatMap { frame throws(ZTICoreError) in try FrameEncoder.encode(frame) }
    }

    private func decodeAll(_ chunks: [ArraySlice<UInt8>], receiver: PeerRole = .supervisor, sender: PeerRole = .worker)
        throws(ZTICoreError) -> [String]
    {
        var decoder = FrameDecoder(receiver: receiver, sender: sender)
        var out: [String] = []
        for chunk in chunks {
            decoder.feed(chunk)
            while let frame = try decoder.next() { out.append(Self.describe(frame)) }
        }
        return out
    }

    private static func describe(_ frame: Frame) -> String {
        switch frame {
        case .hello(let hello): "HELLO " + CanonicalJSON.string(hello)
        case .event(let event, _): "EVENT " + event.canonicalJSON()
        case .heartbeat(let beat): "HEARTBEAT " + CanonicalJSON.string(beat)
        case .dialResult(let result): "DIAL_RESULT " + CanonicalJSON.string(result)
        default: "\(frame.type)"
        }
    }

    @Test func theHeaderIsLengthThenType() throws {
        let bytes = try FrameEncoder.encode(.statusRequest(StatusRequest()))
        #expect(bytes == [0, 0, 0, 3, 8, UInt8(ascii: "{"), UInt8(ascii: "}")])
    }

    @Test func everySplitAtEveryByteOffsetDecodesTheSame() throws {
        let stream = try Self.workerStream()
        let whole = try decodeAll([stream[...]])
        #expect(whole.count == 4)
        #expect(whole[1] == "EVENT " + Self.event.canonicalJSON())
        for offset in 0...stream.count {
            #expect(try decodeAll([stream[..<offset], stream[offset...]]) == whole, "split at \(offset)")
        }
    }

    @Test func byteByByteDecodesTheSame() throws {
        let stream = try Self.workerStream()
        #expect(try decodeAll(stream.indices.map { stream[$0...$0] }) == (try decodeAll([stream[...]])))
    }

    @Test func everyFrameTypeRoundTrips() throws {
        let request = DialRequest(
            clickToDialId: "c2d-7", group: "sales", extension: "101", user: "4150", number: "90312345678")
        let settings = WorkerSettings(
            group: try #require(try ConfDirectory().load().group("sales")), ackTimeout: .seconds(5), unackedMax: 10,
            logLevel: .debug)
        let cases: [(Frame, PeerRole, PeerRole)] = [
            (.config(settings), .worker, .supervisor),
            (.ack(Ack(ids: [Self.event.id])), .worker, .supervisor),
            (.dial(request), .worker, .supervisor),
            (.shutdown(Shutdown(reason: "reload")), .worker, .supervisor),
            (.event(Self.event, resumeKey: "1732526400.43"), .supervisor, .worker),
            (.openRequest(OpenRequest(group: "sales")), .uploader, .supervisor),
            (
                .open(
                    OpenLifecycles(
                        group: "sales", lifecycles: [.init(event: Self.event, resumeKey: "1732526400.43")],
                        attempts: [.init(callId: "1732526400.42", extension: "101", attempt: 1, final: false)])),
                .worker, .supervisor
            ),
            (.hello(Hello(role: .uploader, pid: 2)), .supervisor, .uploader),
            (.hello(Hello(role: .supervisor, pid: 1, groups: ["sales", "support"])), .uploader, .supervisor),
            (
                .status(
                    StatusReport(
                        supervisor: StatusReport.Supervisor(pid: 4, summary: "1 group: 1 connected", uptimeSeconds: 9),
                        groups: [StatusReport.Group(group: "sales", state: .connected)],
                        uploader: StatusReport.Uploader(state: .connected),
                        buffer: StatusReport.Buffer(queued: 0, dropped: 0, capacity: 10))), .cli, .supervisor
            ),
            (.uploaderStatus(UploaderStatus()), .supervisor, .uploader),
        ]
        for (frame, receiver, sender) in cases {
            var decoder = FrameDecoder(receiver: receiver, sender: sender)
            let bytes = try FrameEncoder.encode(frame)
            decoder.feed(bytes)
            let decoded = try #require(try decoder.next())
            #expect(decoded.type == frame.type)
            #expect(try FrameEncoder.encode(decoded) == bytes)
        }
    }

    @Test func theAllowTableRejectsAFrameTypeTheRoleMayNotSend() throws {
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)
        decoder.feed(
            try FrameEncoder.encode(
                .config(
                    WorkerSettings(
                        group: try #require(try ConfDirectory().load().group("sales")), ackTimeout: .seconds(1),
                        unackedMax: 1,
                        logLevel: .info))))
        #expect(throws: ZTICoreError.self) { try decoder.next() }
        do {
            _ = try decoder.next()
        } catch {
            #expect(error.code == .frameTypeNotAllowed)
            #expect(error.message == "the worker sent a CONFIG frame, which a supervisor does not accept from it")
        }
    }

    /// The architecture's connection table, with the capture frames of protocol 4 (README, "Wire format").
    @Test func theAllowTableMatchesTheArchitecture() {
        #expect(
            FrameAllowTable.accepted(by: .supervisor, from: .worker)
                == [.hello, .event, .heartbeat, .dialResult, .captureResult])
        #expect(
            FrameAllowTable.accepted(by: .worker, from: .supervisor)
                == [.config, .open, .ack, .dial, .shutdown, .capture])
        #expect(
            FrameAllowTable.accepted(by: .uploader, from: .supervisor)
                == [.hello, .event, .dialResult, .statusRequest, .openRequest])
        #expect(FrameAllowTable.accepted(by: .supervisor, from: .uploader) == [.hello, .ack, .dial, .status, .open])
        #expect(FrameAllowTable.accepted(by: .supervisor, from: .cli) == [.statusRequest, .dial, .capture])
        #expect(FrameAllowTable.accepted(by: .cli, from: .supervisor) == [.status, .dialResult, .captureResult])
        #expect(FrameAllowTable.accepted(by: .uploader, from: .worker).isEmpty)
    }

    @Test func anOversizedLengthIsRefusedBeforeItsBodyArrives() {
        var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
        decoder.feed([0x00, 0x10, 0x00, 0x01])
        do {
            _ = try decoder.next()
            Issue.record("an oversized frame was accepted")
        } catch {
            #expect(error.code == .frameTooLarge)
            #expect(error.message == "the supervisor announced a frame of 1048577 bytes, over the 1048576-byte cap")
        }
    }

    static func statusReport(summary: String) -> StatusReport {
        StatusReport(
            supervisor: StatusReport.Supervisor(pid: 1, summary: summary, uptimeSeconds: 0), groups: [],
            uploader: StatusReport.Uploader(state: .away),
            buffer: StatusReport.Buffer(queued: 0, dropped: 0, capacity: 1))
    }

    @Test func exactlyTheCapIsAccepted() throws {
        let base = CanonicalJSON.data(Self.statusReport(summary: "")).count
        // The length counts the type byte and the payload: a payload of the cap less one.
        let summary = String(repeating: "x", count: WireProtocol.maximumFrameLength - 1 - base)
        let bytes = try FrameEncoder.encode(.status(Self.statusReport(summary: summary)))
        #expect(bytes.count == WireProtocol.headerLength - 1 + WireProtocol.maximumFrameLength)
        var decoder = FrameDecoder(receiver: .cli, sender: .supervisor)
        decoder.feed(bytes)
        guard case .status(let decoded) = try decoder.next() else {
            Issue.record("the frame did not decode")
            return
        }
        #expect(decoded.supervisor?.summary.count == summary.count)
    }

    @Test func nonFiniteNumbersEncodeAsNull() throws {
        let bytes = CanonicalJSON.data(JSONValue.array([.number(.nan), .number(.infinity), .number(1.5)]))
        #expect(String(decoding: bytes, as: UTF8.self) == "[null,null,1.5]")
    }

    @Test func aTooLargeFrameIsNotEncoded() {
        let huge = Self.statusReport(summary: String(repeating: "y", count: WireProtocol.maximumFrameLength))
        #expect(throws: ZTICoreError.self) { try FrameEncoder.encode(.status(huge)) }
    }

    @Test func zeroLengthAndUnknownTypesAreErrors() {
        var empty = FrameDecoder(receiver: .supervisor, sender: .worker)
        empty.feed([0, 0, 0, 0])
        #expect(throws: ZTICoreError.self) { try empty.next() }
        var unknown = FrameDecoder(receiver: .supervisor, sender: .worker)
        unknown.feed([0, 0, 0, 3, 0xEE, 0x7B, 0x7D])
        do {
            _ = try unknown.next()
        } catch {
            #expect(error.code == .frameTypeUnknown)
        }
    }

    @Test func malformedJSONIsAnErrorThatNamesTheFrame() {
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)
        decoder.feed([0, 0, 0, 4, FrameType.event.rawValue] + Array("{\"i".utf8))
        do {
            _ = try decoder.next()
            Issue.record("malformed JSON was accepted")
        } catch {
            #expect(error.code == .framePayloadInvalid)
            #expect(error.message.hasPrefix("the worker sent a EVENT frame whose payload is not the expected JSON"))
        }
    }

    @Test func anEventWithAForgedIdIsRejected() throws {
        let forged = Self.event.canonicalJSON().replacingOccurrences(of: "/101/ringing/1", with: "/999/ringing/1")
        let payload = Array(forged.utf8)
        let length = payload.count + 1
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)
        decoder.feed([0, 0, UInt8(length >> 8), UInt8(length & 0xFF), FrameType.event.rawValue] + payload)
        do {
            _ = try decoder.next()
            Issue.record("a forged event id was accepted")
        } catch {
            #expect(error.code == .eventInvalid)
        }
    }

    @Test func aDialWithAnInjectedNumberIsRejected() throws {
        let request = DialRequest(
            clickToDialId: "x", group: "sales", extension: "101", user: "u", number: "101\r\nAction: Logoff")
        var decoder = FrameDecoder(receiver: .worker, sender: .supervisor)
        decoder.feed(try FrameEncoder.encode(.dial(request)))
        do {
            _ = try decoder.next()
            Issue.record("an injected number was accepted")
        } catch {
            #expect(error.code == .dialNumberInvalid)
        }
    }

    @Test func theFirstErrorIsFinal() throws {
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)
        decoder.feed([0, 0, 0, 0])
        #expect(throws: ZTICoreError.self) { try decoder.next() }
        decoder.feed(try Self.workerStream())
        #expect(throws: ZTICoreError.self) { try decoder.next() }
    }

    @Test func randomGarbageGivesErrorsNotCrashes() {
        var generator = SplitMix64(seed: 0x5EED)
        var errors = 0
        var frames = 0
        for round in 0..<2_000 {
            var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
            let length = Int(generator.next() % 64) + 1
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 2 == 0 {
                // Plausible headers with a random allowed type, so the JSON decoder sees garbage too.
                bytes = [0, 0, 0, UInt8(length + 1), [1, 3, 6, 8][round % 4]] + bytes
            }
            decoder.feed(bytes)
            do {
                while try decoder.next() != nil { frames += 1 }
            } catch {
                errors += 1
            }
        }
        #expect(errors > 1_000)
        #expect(frames < 50)
    }

    @Test func bufferedBytesAreReleasedAfterFrames() throws {
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)
        let stream = try Self.workerStream()
        decoder.feed(stream + stream[..<3])
        while try decoder.next() != nil {}
        #expect(decoder.bufferedByteCount == 3)
    }

    @Test func anEventCarriesItsResumeKeyBesideTheCanonicalEventAndABareEventStillDecodes() throws {
        let withKey = try FrameEncoder.encode(.event(Self.event, resumeKey: "1732526400.43"))
        let payload = String(decoding: withKey[5...], as: UTF8.self)
        #expect(payload == #"{"event":"# + Self.event.canonicalJSON() + #","resumeKey":"1732526400.43"}"#)
        // Protocol 1's EVENT is the bare canonical event: what a supervisor sends an uploader of that version.
        let bare = try FrameEncoder.encode(.event(Self.event, resumeKey: nil))
        #expect(Array(bare[5...]) == Array(Self.event.canonicalJSON().utf8))
        for (bytes, key) in [(withKey, "1732526400.43" as String?), (bare, nil)] {
            var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
            decoder.feed(bytes)
            guard case .event(let event, let resumeKey)? = try decoder.next() else {
                Issue.record("not an EVENT")
                continue
            }
            #expect(event == Self.event)
            #expect(resumeKey == key)
        }
    }

    @Test func anEmptyResumeKeyIsRefused() throws {
        var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
        let json = #"{"event":"# + Self.event.canonicalJSON() + #","resumeKey":""}"#
        decoder.feed([0, 0, 0, UInt8(json.utf8.count + 1), 3] + Array(json.utf8))
        #expect {
            try decoder.next()
        } throws: { error in
            (error as? ZTICoreError)?.message.contains("resume key is empty") == true
        }
    }

    @Test func openIsCutIntoChunksUnderTheLimitAndMergesBack() throws {
        let lifecycles = (0..<40).map { index in
            OpenLifecycles.Lifecycle(
                event: CallEvent(
                    group: "sales", pbx: .asterisk, callId: "1732526400.\(index)", direction: .inbound,
                    state: .answered, extension: "101", attempt: 1, at: EventTime(millisecondsSinceEpoch: 0),
                    from: String(repeating: "1", count: 200)),
                resumeKey: "1732526400.\(index + 1000)")
        }
        let attempts = (0..<30).map {
            OpenLifecycles.Attempt(callId: "1732526400.\($0)", extension: "101", attempt: 1, final: false)
        }
        let whole = OpenLifecycles(group: "sales", lifecycles: lifecycles, attempts: attempts)
        let chunks = whole.chunked(limit: 4096)
        #expect(chunks.count > 3)
        #expect(chunks.dropLast().allSatisfy { !$0.last })
        #expect(chunks.last?.last == true)
        for chunk in chunks { #expect(CanonicalJSON.data(chunk).count <= 4096) }
        var merged = chunks[0]
        for chunk in chunks.dropFirst() { merged.merge(chunk) }
        #expect(merged == whole)
        #expect(OpenLifecycles(group: "empty").chunked().count == 1)
    }
}

/// The capture frames and the sizes `ztisup capture` and `pbx.capture.max.size` take.
struct CaptureFrameTests {
    @Test func captureFramesRoundTripAndAreAllowedOnlyOnTheirLinks() throws {
        let request = CaptureRequest(group: "sales", seconds: 600, maxBytes: 50 << 20)
        var decoder = FrameDecoder(receiver: .worker, sender: .supervisor)
        decoder.feed(try FrameEncoder.encode(.capture(request)))
        guard case .capture(let decoded)? = try decoder.next() else {
            Issue.record("no CAPTURE decoded")
            return
        }
        #expect(decoded == request)
        var uploader = FrameDecoder(receiver: .uploader, sender: .supervisor)
        uploader.feed(try FrameEncoder.encode(.capture(request)))
        #expect(throws: ZTICoreError.self) { try uploader.next() }
        var worker = FrameDecoder(receiver: .worker, sender: .supervisor)
        worker.feed(try FrameEncoder.encode(.capture(CaptureRequest(group: "sales", seconds: 0, maxBytes: 1))))
        #expect(throws: ZTICoreError.self) { try worker.next() }
        var cli = FrameDecoder(receiver: .cli, sender: .supervisor)
        let result = CaptureResult(group: "sales", file: "/var/lib/ztisup/captures/sales-20261202T190501.123Z.ami")
        cli.feed(try FrameEncoder.encode(.captureResult(result)))
        guard case .captureResult(let answer)? = try cli.next() else {
            Issue.record("no CAPTURE_RESULT decoded")
            return
        }
        #expect(answer == result)
    }

    @Test func aListenAddressIsAPortOnLoopbackOrAHostAndPort() {
        #expect(ConfigValueParser.listenAddress("9464") == HostPort(host: "127.0.0.1", port: 9464))
        #expect(ConfigValueParser.listenAddress("0.0.0.0:9464") == HostPort(host: "0.0.0.0", port: 9464))
        #expect(ConfigValueParser.listenAddress("[::1]:0") == HostPort(host: "::1", port: 0))
        for bad in ["", "99999", "localhost:http", "9464x", ":"] {
            #expect(ConfigValueParser.listenAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func sizesTakeKMAndGAndRefuseTheRest() {
        #expect(ConfigValueParser.byteSize("50M") == 50 << 20)
        #expect(ConfigValueParser.byteSize("512kb") == 512 << 10)
        #expect(ConfigValueParser.byteSize("1G") == 1 << 30)
        #expect(ConfigValueParser.byteSize("4096") == 4096)
        for bad in ["", "0", "M", "50X", "5.5M", "-1", "99999999999999G"] {
            #expect(ConfigValueParser.byteSize(bad) == nil, "\(bad)")
        }
    }

    @Test func aStatusRequestCarriesTheCRMCheckOnlyWhenAsked() {
        #expect(String(decoding: CanonicalJSON.data(StatusRequest()), as: UTF8.self) == "{}")
        #expect(
            String(decoding: CanonicalJSON.data(StatusRequest(checkCRM: true)), as: UTF8.self) == #"{"checkCRM":true}"#
        )
    }
}
