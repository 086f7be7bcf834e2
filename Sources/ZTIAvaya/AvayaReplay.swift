import ZTICore

/// Replays a DMCC capture offline: framed messages (both directions, as `zti-pbxsim aes --capture` writes them,
/// or AES's side only) or bare XML documents one after another, through the call tracker.
///
/// Monitors are tied to their extensions by the `MonitorStart` requests and their responses when the capture has
/// them, and otherwise by the first event that shows whose device a monitor watches. The clock starts at the Unix
/// epoch and advances 1 ms per message, so the output is repeatable.
public enum AvayaReplay {
    public struct Result: Sendable {
        public let events: [CallEvent]
        /// Lifecycles still open at the end of the input.
        public let openLifecycles: Int
        /// Messages that could not be read, with why.
        public let problems: [String]
    }

    public static func run(_ bytes: [UInt8], tracker start: AvayaCallTracker) -> Result {
        var tracker = start
        var events: [CallEvent] = []
        var problems: [String] = []
        var documents: [(invokeID: Int?, xml: ArraySlice<UInt8>)] = []
        if bytes.first == 0 {
            var decoder = DMCCFrameDecoder()
            decoder.feed(bytes)
            do {
                while let frame = try decoder.next() { documents.append((frame.invokeID, frame.xml[...])) }
            } catch {
                problems.append(error.message)
            }
            if decoder.bufferedCount > 0 { problems.append("\(decoder.bufferedCount) bytes of an unfinished frame") }
        } else {
            let (split, rest) = DMCCDocumentSplitter.split(bytes)
            documents = split.map { (nil, $0) }
            if rest.contains(where: { !$0.isWhitespace }) { problems.append("an unfinished XML document at the end") }
        }
        var monitorRequests: [Int: String] = [:]
        var unanswered: [String] = []
        var makeCalls: [Int: String] = [:]
        var clock: Int64 = 0
        for (number, document) in documents.enumerated() {
            clock += 1
            let root: DMCCElement
            do {
                root = try DMCCXMLParser.parse(Array(document.xml))
            } catch {
                problems.append("message \(number + 1): \(error.message)")
                continue
            }
            switch root.name {
            case "MonitorStart":
                if let member = root.first("deviceObject").flatMap({ DMCCParty.device($0.trimmedText).number }) {
                    if let id = document.invokeID { monitorRequests[id] = member } else { unanswered.append(member) }
                }
                continue
            case "MakeCall":
                if let id = document.invokeID,
                    let member = root.child("callingDevice").flatMap({ DMCCParty.device($0.trimmedText).number })
                {
                    makeCalls[id] = member
                }
                continue
            default:
                break
            }
            let message: DMCCMessage
            do {
                message = try DMCCMessage.decode(root)
            } catch {
                problems.append("message \(number + 1): \(error.message)")
                continue
            }
            switch message {
            case .monitorStarted(let crossRef):
                let member =
                    document.invokeID.flatMap { monitorRequests.removeValue(forKey: $0) }
                    ?? (unanswered.isEmpty ? nil : unanswered.removeFirst())
                if let member { tracker.monitored(crossRefID: crossRef, extension: member) }
            case .callMade(let callID, _, _):
                if let id = document.invokeID, let member = makeCalls.removeValue(forKey: id) {
                    tracker.clickToDialStarted(callID: callID, member: member, clickToDialId: "makecall-\(id)")
                }
            case .event(let event):
                if tracker.member(monitor: event.monitorCrossRefID) == nil, let member = watched(by: event) {
                    tracker.monitored(crossRefID: event.monitorCrossRefID, extension: member)
                }
                events += tracker.handle(event, at: EventTime(millisecondsSinceEpoch: clock))
            default:
                break
            }
        }
        return Result(events: events, openLifecycles: tracker.openLifecycles, problems: problems)
    }

    /// The device a monitor watches, when an event shows it: its own connection in a call it started or that
    /// alerts it.
    static func watched(by event: CSTAEvent) -> String? {
        switch event.kind {
        case .serviceInitiated, .originated:
            return event.connectionDevice?.number ?? event.parties["callingDevice"]?.number
        case .delivered where event.localConnectionInfo == "alerting":
            return event.parties["alertingDevice"]?.number
        case .delivered where event.localConnectionInfo == "connected":
            return event.parties["callingDevice"]?.number
        case .failed where event.localConnectionInfo == "fail":
            return event.parties["failingDevice"]?.number
        default:
            return nil
        }
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
