import ZTICore

/// Zoho's users (`GET users`), for `ztisup crm users`: the ids that go into `user.X.crmuser`.
public enum ZohoUserDirectory {
    public struct User: Sendable, Equatable, Codable {
        public let zohouser: String
        public let email: String
        public let username: String
    }

    /// Every user, page by page.
    public static func all(api: PhoneBridgeClient, perPage: Int = 200) async throws(ZTIUploaderError) -> [User] {
        var users: [User] = []
        for page in 1...1000 {
            let reply = try await api.send(
                .GET, "users", fields: [("page", String(page)), ("perPage", String(perPage))])
            guard reply.isSuccess else {
                throw ZTIUploaderError(
                    .crmRefused, "Zoho refused the user list: HTTP \(reply.status) \(reply.code ?? "") \(reply.snippet)"
                )
            }
            let object = ZohoHTTP.Response(status: reply.status, retryAfter: nil, body: reply.body).json
            let batch = (object["users"] as? [[String: Any]] ?? []).compactMap { entry -> User? in
                let id = (entry["zohouser"] as? String) ?? (entry["zohouser"] as? Int).map(String.init)
                guard let id else { return nil }
                return User(
                    zohouser: id, email: entry["email"] as? String ?? "", username: entry["username"] as? String ?? "")
            }
            users += batch
            if batch.count < perPage { break }
        }
        return users
    }
}
