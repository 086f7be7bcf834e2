/// A scripted AES call flow, one step per line, driven through the simulator's call API:
///
/// ```
/// # an inbound call: 3201 rings, answers after 4 seconds, the caller hangs up a minute later
/// at 0    inbound c1 from 0312345678 to 0312340600
/// at 0.1  ring c1 3201
/// at 4    answer c1 3201
/// at 64   hangup c1 0312345678
/// ```
///
/// Steps: `inbound ID from NUMBER to NUMBER`, `outbound ID from EXT to NUMBER` (a station number rings, others
/// leave on a trunk), `ring ID EXT`, `answer ID PARTY`, `divert ID EXT to DEST`, `pickup ID EXT by EXT`,
/// `busy ID EXT`, `hangup ID PARTY`, `transfer ID CONSULTATION by EXT`, `conference ID CONSULTATION by EXT`.
/// `at SECONDS` is scenario time from the start; `+SECONDS` is relative to the previous step.
public struct AESScenario: ScenarioFile {
    public enum Action: Sendable, Equatable {
        case inbound(call: String, from: String, to: String)
        case outbound(call: String, from: String, to: String)
        case ring(call: String, station: String)
        case answer(call: String, party: String)
        case divert(call: String, station: String, to: String)
        case pickup(call: String, station: String, by: String)
        case busy(call: String, station: String)
        case hangup(call: String, party: String)
        case transfer(call: String, consultation: String, by: String)
        case conference(call: String, consultation: String, by: String)
    }

    public let steps: [Step]

    public init(steps: [Step]) {
        self.steps = steps
    }

    public static func action(_ verb: String, _ words: [String], line: Int) throws(ParseError) -> Action {
        func shape(_ count: Int, _ keyword: (Int, String)?, _ usage: String) throws(ParseError) {
            guard words.count == count, keyword.map({ words[$0.0] == $0.1 }) ?? true,
                words.allSatisfy({ !$0.isEmpty })
            else { throw ParseError(line: line, message: "expected \(verb) \(usage)") }
        }
        switch verb {
        case "inbound", "outbound":
            try shape(5, (1, "from"), "ID from NUMBER to NUMBER")
            guard words[3] == "to" else {
                throw ParseError(line: line, message: "expected \(verb) ID from NUMBER to NUMBER")
            }
            return verb == "inbound"
                ? .inbound(call: words[0], from: words[2], to: words[4])
                : .outbound(call: words[0], from: words[2], to: words[4])
        case "ring":
            try shape(2, nil, "ID EXT")
            return .ring(call: words[0], station: words[1])
        case "answer":
            try shape(2, nil, "ID PARTY")
            return .answer(call: words[0], party: words[1])
        case "busy":
            try shape(2, nil, "ID EXT")
            return .busy(call: words[0], station: words[1])
        case "hangup":
            try shape(2, nil, "ID PARTY")
            return .hangup(call: words[0], party: words[1])
        case "divert":
            try shape(4, (2, "to"), "ID EXT to DESTINATION")
            return .divert(call: words[0], station: words[1], to: words[3])
        case "pickup":
            try shape(4, (2, "by"), "ID EXT by EXT")
            return .pickup(call: words[0], station: words[1], by: words[3])
        case "transfer", "conference":
            try shape(4, (2, "by"), "ID CONSULTATION by EXT")
            return verb == "transfer"
                ? .transfer(call: words[0], consultation: words[1], by: words[3])
                : .conference(call: words[0], consultation: words[1], by: words[3])
        default:
            throw ParseError(
                line: line,
                message: "unknown step \"\(verb)\"; expected inbound, outbound, ring, answer, divert, pickup, busy, "
                    + "hangup, transfer or conference")
        }
    }
}
