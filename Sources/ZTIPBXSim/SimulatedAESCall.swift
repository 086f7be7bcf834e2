/// A call on the simulated CM: its small reused call ID, its UCID, and its parties with the state of each one's
/// connection (what `localConnectionInfo` reports to that party's monitors).
struct SimulatedAESCall: Sendable {
    struct Party: Sendable {
        let number: String
        /// `alerting`, `connected`, `initiated`, `hold`, `fail`.
        var state: String
    }

    let id: Int
    let ucid: String
    var caller: String
    var called: String
    var parties: [Party] = []

    func state(of number: String) -> String? {
        parties.first { $0.number == number }?.state
    }

    mutating func set(_ number: String, _ state: String) {
        if let index = parties.firstIndex(where: { $0.number == number }) {
            parties[index].state = state
        } else {
            parties.append(Party(number: number, state: state))
        }
    }

    mutating func remove(_ number: String) {
        parties.removeAll { $0.number == number }
    }
}
