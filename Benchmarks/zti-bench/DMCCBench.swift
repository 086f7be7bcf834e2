import Foundation
import ZTIAvaya
import ZTICore

/// DMCC decode and track throughput: a generated stream of framed call-control events (an answered inbound call
/// is a Delivered, an Established and two ConnectionCleared), cut into 4 KiB reads, split into frames, parsed as
/// XML, decoded, and then also tracked.
enum DMCCBench {
    static func run(calls: Int) throws {
        let stream = try events(calls: calls)
        let megabytes = Double(stream.count) / 1_048_576
        print(String(format: "DMCC: %d calls, %d events, %.1f MiB framed", calls, calls * 4, megabytes))

        var clock = ContinuousClock.now
        var decoded = 0
        var decoder = DMCCFrameDecoder()
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 4096)
            decoder.feed(stream[offset..<end])
            offset = end
            while let frame = try decoder.next() {
                if case .event = try DMCCMessage.decode(frame) { decoded += 1 }
            }
        }
        let decode = ContinuousClock.now - clock
        precondition(decoded == calls * 4, "decoded \(decoded) events")
        print(ZTIBench.report("DMCC decode (frames, XML, events)", count: decoded, elapsed: decode))
        print(String(format: "DMCC decode: %.1f MB/s", megabytes * 1.048576 / decode.seconds))

        clock = ContinuousClock.now
        var tracker = AvayaCallTracker(replayGroup: "bench")
        for member in 0..<100 { tracker.monitored(crossRefID: String(member + 1), extension: String(3200 + member)) }
        decoder = DMCCFrameDecoder()
        offset = 0
        var emitted = 0
        var tick: Int64 = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 4096)
            decoder.feed(stream[offset..<end])
            offset = end
            while let frame = try decoder.next() {
                guard case .event(let event) = try DMCCMessage.decode(frame) else { continue }
                tick += 1
                emitted += tracker.handle(event, at: EventTime(millisecondsSinceEpoch: tick)).count
            }
        }
        let track = ContinuousClock.now - clock
        precondition(emitted == calls * 3, "emitted \(emitted) call events")
        print(ZTIBench.report("DMCC decode + track", count: decoded, elapsed: track))
        ZTIBench.figure("dmcc_decode_per_s", Double(decoded) / decode.seconds)
        ZTIBench.figure("dmcc_track_events_per_s", Double(decoded) / track.seconds)
    }

    /// Answered inbound calls on 100 monitored stations, CM-like call IDs reused as calls end.
    static func events(calls: Int) throws -> [UInt8] {
        typealias E = DMCCElement
        func party(_ name: String, _ number: String) -> E {
            E(name, children: [E("deviceIdentifier", text: "\(number):CM1::0")])
        }
        func connection(_ name: String, _ call: Int, _ number: String) -> E {
            E(name, children: [E("callID", text: String(call)), E("deviceID", text: "\(number):CM1::0")])
        }
        func event(_ name: String, _ crossRef: Int, _ children: [E]) throws -> [UInt8] {
            let element = E(
                name, attributes: [.init("xmlns", DMCCRequest.cstaNamespace)],
                children: [E("monitorCrossRefID", text: String(crossRef))] + children)
            return try DMCCFrame(invokeID: DMCCFrame.eventInvokeID, xml: element.document).encoded()
        }
        var stream: [UInt8] = []
        for index in 0..<calls {
            let member = 3200 + index % 100
            let crossRef = index % 100 + 1
            let call = index % 500 + 1
            let caller = String(format: "03%08d", index)
            let ucid = String(format: "00001%05d%010d", index % 100_000, 1_732_526_400 + index / 100_000)
            let linkage = E(
                "callLinkageData",
                children: [
                    E(
                        "globalCallData",
                        children: [E("globalCallLinkageID", children: [E("globallyUniqueCallLinkageID", text: ucid)])])
                ])
            stream += try event(
                "DeliveredEvent", crossRef,
                [
                    connection("connection", call, String(member)), party("alertingDevice", String(member)),
                    party("callingDevice", caller), party("calledDevice", "0312340600"),
                    E("localConnectionInfo", text: "alerting"), E("cause", text: "newCall"), linkage,
                ])
            stream += try event(
                "EstablishedEvent", crossRef,
                [
                    connection("establishedConnection", call, String(member)),
                    party("answeringDevice", String(member)), party("callingDevice", caller),
                    E("localConnectionInfo", text: "connected"), E("cause", text: "newCall"), linkage,
                ])
            for dropped in [caller, String(member)] {
                stream += try event(
                    "ConnectionClearedEvent", crossRef,
                    [
                        connection("droppedConnection", call, dropped), party("releasingDevice", dropped),
                        E("localConnectionInfo", text: dropped == caller ? "connected" : "null"),
                        E("cause", text: "normalClearing"),
                    ])
            }
        }
        return stream
    }
}
