import Foundation
import ZTIAsterisk
import ZTIAvaya
import ZTICore

/// `zti-bench instructions COMPONENT TRANSCRIPT-DIR`: one component over a fixed input, for `bin/bench.sh
/// --instructions`, which runs it under callgrind collecting only inside `measuredWork` (its inputs are made
/// before). It prints `items <count>`, so that instructions per item can be worked out. Components: `ami` (every
/// header located), `track` (AMI parse + track), `encode` and `decode` (EVENT frames), `dmcc` (DMCC decode + track).
enum InstructionRun {
    static func run(_ arguments: [String]) throws {
        guard let component = arguments.first else {
            print("usage: zti-bench instructions ami|track|encode|decode|dmcc TRANSCRIPT-DIR [OUTPUT-DIR]")
            return
        }
        let transcripts = URL(fileURLWithPath: arguments.dropFirst().first ?? "Tests/ZTIAsteriskTests/Transcripts")
        let items: Int
        switch component {
        case "ami", "track":
            let stream = try AMIBench.generate(megabytes: 2, transcripts: transcripts)
            if let output = arguments.dropFirst(2).first {
                // The same bytes for the peer, in one chunk.
                try Data(stream).write(to: URL(fileURLWithPath: output).appendingPathComponent("ami-fixed.bin"))
            }
            let group = try ConfigurationLoader.loadGroupFile(
                path: transcripts.appendingPathComponent("sales.properties").path
            ).0
            items = measuredWork(ami: stream, tracking: component == "track" ? group : nil)
        case "encode":
            items = measuredWork(encoding: (0..<20_000).map(ZTIBench.sampleEvent))
        case "decode":
            var stream: [UInt8] = []
            for index in 0..<20_000 {
                stream += try FrameEncoder.encode(.event(ZTIBench.sampleEvent(index), resumeKey: nil))
            }
            items = try measuredWork(decoding: stream)
        case "dmcc":
            items = try measuredWork(dmcc: try DMCCBench.events(calls: 2_000))
        default:
            print("zti-bench instructions: unknown component \(component)")
            return
        }
        print("items \(items)")
    }

    @inline(never)
    static func measuredWork(ami stream: [UInt8], tracking group: GroupConfig?) -> Int {
        var decoder = AMIDecoder(droppedEvents: group == nil ? [] : AMIDecoder.defaultDroppedEvents)
        decoder.feed(stream)
        guard let group else {
            var count = 0
            while decoder.nextView({ $0.headerCount }) != nil { count += 1 }
            return count
        }
        var tracker = AsteriskCallTracker(directory: MemberDirectory(group: group))
        let now = EventTime(millisecondsSinceEpoch: 1_732_526_400_000)
        var count = 0
        while let message = decoder.next() {
            count += 1
            _ = tracker.handle(message, receivedAt: now)
        }
        return count + decoder.droppedEventCount
    }

    @inline(never)
    static func measuredWork(encoding events: [CallEvent]) -> Int {
        var bytes = 0
        for event in events { bytes += (try? FrameEncoder.encode(.event(event, resumeKey: nil)))?.count ?? 0 }
        return bytes > 0 ? events.count : 0
    }

    @inline(never)
    static func measuredWork(decoding stream: [UInt8]) throws -> Int {
        var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
        decoder.feed(stream[...])
        var count = 0
        while try decoder.next() != nil { count += 1 }
        return count
    }

    @inline(never)
    static func measuredWork(dmcc stream: [UInt8]) throws -> Int {
        var tracker = AvayaCallTracker(replayGroup: "bench")
        for member in 0..<100 { tracker.monitored(crossRefID: String(member + 1), extension: String(3200 + member)) }
        var decoder = DMCCFrameDecoder()
        decoder.feed(stream)
        var count = 0
        while let frame = try decoder.next() {
            guard case .event(let event) = try DMCCMessage.decode(frame) else { continue }
            count += 1
            _ = tracker.handle(event, at: EventTime(millisecondsSinceEpoch: Int64(count)))
        }
        return count
    }
}
