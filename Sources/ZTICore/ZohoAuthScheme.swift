/// The word before the access token in Zoho's `Authorization` header (`crm.zoho.auth.scheme`): every PhoneBridge v3
/// sample uses `Zoho-oauthtoken`, the authentication page's prose says `Bearer`, and `Bearer` has been reported to
/// get a 401 from PhoneBridge.
public enum ZohoAuthScheme: String, Sendable, Codable, CaseIterable {
    case zohoOAuthToken = "zoho-oauthtoken"
    case bearer

    /// The word as the header carries it.
    public var header: String {
        switch self {
        case .zohoOAuthToken: "Zoho-oauthtoken"
        case .bearer: "Bearer"
        }
    }
}
