import ZTIAsterisk

/// A simulator scenario in a small readable format, one step per line, rendered in any family's dialect:
///
/// ```
/// # an inbound call to a ring group; Bob answers after 4 seconds, hangs up after a minute
/// at 0    inbound c1 from 0312345678 to 0312340600
/// at 0.1  ring c1 101 102
/// at 4    answer c1 102
/// at 64   hangup c1
/// ```
///
/// Steps: `inbound ID from NUMBER to DID` (a caller on the trunk), `outbound ID from EXT to DIGITS` (a phone
/// dials), `ring ID EXT…` (the caller's call rings extensions), `dial ID NUMBER` (an outbound call reaches the
/// trunk), `answer ID EXT|far`, `busy ID EXT|far`, `noanswer ID EXT|far`, `giveup ID` (the caller hangs up
/// while ringing), `hangup ID`. `at SECONDS` is scenario time from the start; `+SECONDS` is relative to the
/// previous step.
public struct SimScenario: ScenarioFile {
    /// One step.
    public enum Action: Sendable, Equatable {
        case inbound(call: String, from: String, to: String)
        case outbound(call: String, from: String, to: String)
        case ring(call: String, extensions: [String])
        case dial(call: String, number: String)
        case answer(call: String, party: String)
        case busy(call: String, party: String)
        case noAnswer(call: String, party: String)
        case giveUp(call: String)
        case hangup(call: String)
    }

    public let steps: [Step]

    public init(steps: [Step]) {
        self.steps = steps
    }

    public static func action(_ verb: String, _ words: [String], line: Int) throws(ParseError) -> Action {
        func need(_ count: Int, _ usage: String) throws(ParseError) {
            guard words.count >= count else { throw ParseError(line: line, message: "expected \(usage)") }
        }
        func number(_ text: String) throws(ParseError) -> String {
            guard !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "*" || $0 == "#" || $0 == "+" }) else {
                throw ParseError(line: line, message: "\"\(text)\" is not a number")
            }
            return text
        }
        switch verb {
        case "inbound", "outbound":
            try need(5, "\(verb) ID from NUMBER to NUMBER")
            guard words[1] == "from", words[3] == "to" else {
                throw ParseError(line: line, message: "expected \(verb) ID from NUMBER to NUMBER")
            }
            return verb == "inbound"
                ? .inbound(call: words[0], from: try number(words[2]), to: try number(words[4]))
                : .outbound(call: words[0], from: try number(words[2]), to: try number(words[4]))
        case "ring":
            try need(2, "ring ID EXTENSION...")
            var extensions: [String] = []
            for word in words.dropFirst() { extensions.append(try number(word)) }
            return .ring(call: words[0], extensions: extensions)
        case "dial":
            try need(2, "dial ID NUMBER")
            return .dial(call: words[0], number: try number(words[1]))
        case "answer", "busy", "noanswer":
            try need(2, "\(verb) ID EXTENSION|far")
            let party = words[1] == "far" ? "far" : try number(words[1])
            switch verb {
            case "answer": return .answer(call: words[0], party: party)
            case "busy": return .busy(call: words[0], party: party)
            default: return .noAnswer(call: words[0], party: party)
            }
        case "giveup":
            try need(1, "giveup ID")
            return .giveUp(call: words[0])
        case "hangup":
            try need(1, "hangup ID")
            return .hangup(call: words[0])
        default:
            throw ParseError(
                line: line,
                message:
                    "unknown step \"\(verb)\"; expected inbound, outbound, ring, dial, answer, busy, noanswer, giveup or hangup"
            )
        }
    }
}
