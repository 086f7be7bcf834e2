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
public struct SimScenario: Sendable, Equatable {
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

    /// A step and its scenario time in milliseconds.
    public struct Step: Sendable, Equatable {
        public let at: Int64
        public let action: Action

        /// A step at `at` milliseconds of scenario time.
        public init(at: Int64, action: Action) {
            self.at = at
            self.action = action
        }
    }

    public let steps: [Step]

    /// A problem with a scenario file, naming the line.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses the text of a scenario file.
    public init(_ text: String) throws(ParseError) {
        var steps: [Step] = []
        var clock: Int64 = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard !words.isEmpty else { continue }
            if words[0] == "at" || words[0].hasPrefix("+") {
                let isRelative = words[0].hasPrefix("+")
                let number = isRelative ? String(words[0].dropFirst()) : (words.count > 1 ? words[1] : "")
                guard let seconds = Double(number), seconds >= 0, seconds < 1e7 else {
                    throw ParseError(line: line, message: "expected a time in seconds after at or +, e.g. at 4 or +0.5")
                }
                clock = (isRelative ? clock : 0) + Int64(seconds * 1000)
                words.removeFirst(isRelative ? 1 : 2)
            }
            guard let verb = words.first else { throw ParseError(line: line, message: "a time without a step") }
            let arguments = Array(words.dropFirst())
            steps.append(Step(at: clock, action: try Self.action(verb, arguments, line: line)))
        }
        guard !steps.isEmpty else { throw ParseError(line: 0, message: "the scenario has no steps") }
        self.steps = steps
    }

    private static func action(_ verb: String, _ words: [String], line: Int) throws(ParseError) -> Action {
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
