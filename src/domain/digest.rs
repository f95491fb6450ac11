//! Digests as this service writes them: lower-case hexadecimal, two digits
//! a byte (the form `sha256sum` prints, so anyone can check a file by hand).

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// FIPS 180-2, Appendix B.1: SHA-256("abc").
    #[test]
    fn writes_sha256_as_sha256sum_does() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xff]), "000fff");
    }
}
