import Testing

@testable import ZTIAsterisk

/// The AMI challenge's MD5, against RFC 1321's test suite and a message across the 55/56/64-byte padding edges.
@Suite struct MD5DigestTests {
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func rfc1321(message: String, digest: String) {
        #expect(MD5Digest.hex(Array(message.utf8)) == digest)
    }

    /// Lengths around the padding boundaries, checked against digests computed by `md5sum`.
    @Test func paddingEdges() {
        #expect(MD5Digest.hex(Array(String(repeating: "x", count: 55).utf8)) == "04364420e25c512fd958a70738aa8f72")
        #expect(MD5Digest.hex(Array(String(repeating: "x", count: 56).utf8)) == "668a72d5ba17f08e62dabcafad6db14b")
        #expect(MD5Digest.hex(Array(String(repeating: "x", count: 64).utf8)) == "c1bb4f81d892b2d57947682aeb252456")
    }
}
