import Foundation
import Glibc
import ZTIAsterisk
import ZTICore
import ZTITestKit

/// The AMI benchmark: a generated stream of the family-12 transcripts with dialplan floods, cut into the same
/// random 1 B–16 KiB chunks for every parser. Writes the stream and the chunk sizes for the peer (panoramisk).
enum AMIBench {
    static func run(_ arguments: [String]) throws {
        guard arguments.count >= 3, let megabytes = Int(arguments[0]) else {
            print("usage: zti-bench ami MEGABYTES TRANSCRIPT-DIR OUTPUT-DIR")
            return
        }
        let transcripts = URL(fileURLWithPath: arguments[1])
        let output = URL(fileURLWithPath: arguments[2])
        let stream = try generate(megabytes: megabytes, transcripts: transcripts)
        var generator = SplitMix64(seed: 2026)
        var sizes: [UInt32] = []
        var total = 0
        while total < stream.count {
            let size = min(Int(generator.next() % 16_384) + 1, stream.count - total)
            sizes.append(UInt32(size))
            total += size
        }
        try Data(stream).write(to: output.appendingPathComponent("ami-stream.bin"))
        try sizes.withUnsafeBufferPointer {
            try Data(buffer: $0).write(to: output.appendingPathComponent("ami-chunks.bin"))
        }
        let chunks = chunked(stream, sizes)
        let mb = Double(stream.count) / 1_048_576
        print(String(format: "AMI stream: %.1f MiB in %d chunks of 1 B to 16 KiB", mb, sizes.count))

        // Like-for-like with the peers: every message's every header located (name and value boundaries known, any
        // header retrievable by name, case-insensitively), without a String per value.
        var clock = ContinuousClock.now
        var decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
        var all = 0
        var headers = 0
        for chunk in chunks {
            decoder.feed(chunk)
            while let count = decoder.nextView({ $0.headerCount }) {
                all += 1
                headers += count
            }
        }
        let fullTime = ZTIBench.seconds(ContinuousClock.now - clock)
        print(
            String(
                format:
                    "swift, every message's every header located: %d messages, %d headers, %.0f messages/s, %.1f MB/s",
                all, headers, Double(all) / fullTime, mb / fullTime))
        FileHandle.standardError.write(Data("like-for-like messages/s: \(Double(all) / fullTime)\n".utf8))
        ZTIBench.figure("ami_msgs_per_s", Double(all) / fullTime)

        // panoramisk's shape: every message turned into a dictionary of strings.
        clock = ContinuousClock.now
        decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
        var dictionaries = 0
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() {
                var dictionary: [String: [String]] = [:]
                for header in message.headers { dictionary[header.name, default: []].append(header.value) }
                dictionaries += dictionary.isEmpty ? 0 : 1
            }
        }
        let dictionaryTime = ZTIBench.seconds(ContinuousClock.now - clock)
        print(
            String(
                format:
                    "swift, every message to a dictionary of strings (panoramisk's shape): %.0f messages/s, %.1f MB/s",
                Double(dictionaries) / dictionaryTime, mb / dictionaryTime))
        ZTIBench.figure("ami_dictionary_msgs_per_s", Double(dictionaries) / dictionaryTime)

        clock = ContinuousClock.now
        decoder = AMIDecoder()
        var kept = 0
        for chunk in chunks {
            decoder.feed(chunk)
            while decoder.next() != nil { kept += 1 }
        }
        let dropTime = ZTIBench.seconds(ContinuousClock.now - clock)
        print(
            String(
                format: "swift, floods dropped at the Event: line: %d kept + %d dropped, %.0f messages/s, %.1f MB/s",
                kept, decoder.droppedEventCount, Double(kept + decoder.droppedEventCount) / dropTime, mb / dropTime))

        let group = try ConfigurationLoader.loadGroupFile(
            path: transcripts.appendingPathComponent("sales.properties").path
        ).0
        clock = ContinuousClock.now
        decoder = AMIDecoder()
        var tracker = AsteriskCallTracker(directory: MemberDirectory(group: group))
        var tracked = 0
        var emitted = 0
        let now = EventTime(millisecondsSinceEpoch: 1_732_526_400_000)
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() {
                tracked += 1
                emitted += tracker.handle(message, receivedAt: now).count
            }
        }
        let trackTime = ZTIBench.seconds(ContinuousClock.now - clock)
        print(
            String(
                format: "swift, parse + track: %.0f AMI events/s tracked, %.0f call events/s emitted (%d), %.1f MB/s",
                Double(tracked) / trackTime, Double(emitted) / trackTime, emitted, mb / trackTime))
        ZTIBench.figure("track_events_per_s", Double(tracked) / trackTime)

        // The tracker alone, on messages decoded beforehand.
        decoder = AMIDecoder()
        var messages: [AMIMessage] = []
        for chunk in chunks {
            decoder.feed(chunk)
            while let message = decoder.next() { messages.append(message) }
        }
        tracker = AsteriskCallTracker(directory: MemberDirectory(group: group))
        clock = ContinuousClock.now
        emitted = 0
        for message in messages { emitted += tracker.handle(message, receivedAt: now).count }
        let trackerTime = ZTIBench.seconds(ContinuousClock.now - clock)
        print(String(format: "swift, tracker alone: %.0f AMI events/s", Double(messages.count) / trackerTime))
        ZTIBench.figure("tracker_alone_events_per_s", Double(messages.count) / trackerTime)
    }

    static func chunked(_ stream: [UInt8], _ sizes: [UInt32]) -> [ArraySlice<UInt8>] {
        var chunks: [ArraySlice<UInt8>] = []
        var offset = 0
        for size in sizes {
            chunks.append(stream[offset..<offset + Int(size)])
            offset += Int(size)
        }
        return chunks
    }

    /// The events of the family-12 transcripts that have no reconnect or client actions, each `Newchannel`
    /// followed by 20 dialplan steps (`Newexten` and `VarSet`), repeated with fresh Uniqueids.
    static func generate(megabytes: Int, transcripts: URL) throws -> [UInt8] {
        var corpus = ""
        let directory = transcripts.appendingPathComponent("12")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        where name.hasSuffix(".ami") && !name.hasPrefix("resync") && !name.hasPrefix("hangup-lost")
            && !name.hasPrefix("click-to-dial")
        {
            var decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
            decoder.feed(Array(try Data(contentsOf: directory.appendingPathComponent(name))))
            while let message = decoder.next() {
                guard message.kind == .event, message.actionID == nil, message.eventName != "FullyBooted" else {
                    continue
                }
                corpus += serialize(message.headers)
                if message.eventName == "Newchannel", let channel = message["Channel"],
                    let uniqueid = message["Uniqueid"]
                {
                    for step in 1...10 {
                        corpus += serialize([
                            AMIHeader("Event", "Newexten"), AMIHeader("Privilege", "dialplan,all"),
                            AMIHeader("Channel", channel), AMIHeader("Context", "macro-dial-one"),
                            AMIHeader("Extension", "s"), AMIHeader("Priority", String(step)),
                            AMIHeader("Application", "Set"), AMIHeader("AppData", "DIALSTATUS=\(step)"),
                            AMIHeader("Uniqueid", uniqueid),
                        ])
                        corpus += serialize([
                            AMIHeader("Event", "VarSet"), AMIHeader("Privilege", "dialplan,all"),
                            AMIHeader("Channel", channel), AMIHeader("Variable", "MACRO_DEPTH"),
                            AMIHeader("Value", String(step)), AMIHeader("Uniqueid", uniqueid),
                        ])
                    }
                }
            }
        }
        // Each repetition gets its own Uniqueids: the corpus is cut where they start, and a prefix goes between.
        let segments = corpus.components(separatedBy: "1732526400.").map { Array($0.utf8) }
        var stream: [UInt8] = Array("Asterisk Call Manager/7.0.3\r\n".utf8)
        stream.reserveCapacity(megabytes * 1_048_576 + corpus.utf8.count * 2)
        var repetition = 0
        while stream.count < megabytes * 1_048_576 {
            repetition += 1
            let prefix = Array("r\(repetition)-1732526400.".utf8)
            stream += segments[0]
            for segment in segments.dropFirst() {
                stream += prefix
                stream += segment
            }
        }
        return stream
    }

    static func serialize(_ headers: [AMIHeader]) -> String {
        headers.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
    }
}
