//! Sealing secrets at rest (signing secrets, protected header values) with
//! the master key: XChaCha20-Poly1305, `v1.` + base64url(nonce || ciphertext).
//! Also the master key file helper (`herald.key`, mode 0600).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const CHECK_PLAINTEXT: &[u8] = b"herald master key check";
const CHECK_AAD: &[u8] = b"herald:key-check";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("master key must be base64 of exactly 32 bytes")]
    InvalidKey,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("cannot decrypt: wrong master key or tampered data")]
    Decrypt,
    #[error("master key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// The 32-byte key that seals secrets at rest. Debug never shows it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        MasterKey(k)
    }

    /// Standard or URL-safe base64, padded or not, surrounding whitespace
    /// ignored; must decode to exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Self, CryptoError> {
        let s = s.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(s).ok())
            .ok_or(CryptoError::InvalidKey)?;
        bytes
            .try_into()
            .map(MasterKey)
            .map_err(|_| CryptoError::InvalidKey)
    }

    /// Standard padded base64 (the `HERALD_MASTER_KEY` / key file format).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// Encrypts with a fresh random nonce. `aad` binds the value to its
    /// context (e.g. `"webhook:wh_…:secret"`); `open` needs the same `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Decrypts a `seal` output. Bad format -> `Malformed`; wrong key,
    /// tampering or different `aad` -> `Decrypt`.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let b64 = sealed.strip_prefix(PREFIX).ok_or(CryptoError::Malformed)?;
        let raw = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| CryptoError::Malformed)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| CryptoError::Decrypt)
    }

    /// A 32-byte key for `purpose`, derived from this key (HMAC-SHA256 over `purpose`):
    /// stable while the master key is, and unrelated to any value it seals.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A sealed known plaintext to store beside sealed data, so a server can
    /// refuse to start with a different key (`verify_check`).
    pub fn key_check(&self) -> String {
        self.seal(CHECK_PLAINTEXT, CHECK_AAD)
    }

    pub fn verify_check(&self, sealed: &str) -> bool {
        self.open(sealed, CHECK_AAD)
            .is_ok_and(|p| p.as_slice() == CHECK_PLAINTEXT)
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CryptoError + '_ {
    move |source| CryptoError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_key_file(path: &Path) -> Result<MasterKey, CryptoError> {
    MasterKey::from_base64(&fs::read_to_string(path).map_err(io_err(path))?)
}

/// Writes `contents` to a new file (mode 0600 on unix); fails if it exists.
fn create_new_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// Reads the base64 key at `path`, or creates it (0600) with a new key.
/// Creation is atomic: the key is written to a temporary file in the same
/// directory and hard-linked into place, so `path` never holds a partial key
/// and a concurrent creator's key wins (we then read it). An existing but
/// invalid file is an error, never overwritten. Returns `(key, created)`.
pub fn load_or_create_key_file(path: &Path) -> Result<(MasterKey, bool), CryptoError> {
    match read_key_file(path) {
        Err(CryptoError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        other => return other.map(|k| (k, false)),
    }
    let key = MasterKey::generate();
    let contents = format!("{}\n", key.to_base64());
    let mut suffix = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut suffix);
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}", hex::encode(suffix)));
    let tmp = Path::new(&tmp_name);
    create_new_private(tmp, contents.as_bytes()).map_err(io_err(tmp))?;
    let linked = fs::hard_link(tmp, path);
    let _ = fs::remove_file(tmp);
    match linked {
        Ok(()) => Ok((key, true)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((read_key_file(path)?, false)),
        // Filesystems without hard links: plain exclusive create.
        Err(_) => match create_new_private(path, contents.as_bytes()) {
            Ok(()) => Ok((key, true)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((read_key_file(path)?, false)),
            Err(e) => Err(io_err(path)(e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_encoding() {
        let k = MasterKey::generate();
        let b64 = k.to_base64();
        assert_eq!(MasterKey::from_base64(&b64).unwrap().0, k.0);
        assert_eq!(format!("{k:?}"), "MasterKey(***)");
        assert!(!format!("{k:?}").contains(&b64));
        let raw = [0xfbu8; 32];
        let cases: Vec<(String, bool)> = vec![
            (STANDARD.encode(raw), true),
            (format!("  {}\n", STANDARD.encode(raw)), true),
            (URL_SAFE_NO_PAD.encode(raw), true),
            (STANDARD_NO_PAD.encode(raw), true),
            (STANDARD.encode([1u8; 31]), false),
            (STANDARD.encode([1u8; 33]), false),
            ("".into(), false),
            ("not base64 !!".into(), false),
        ];
        for (input, ok) in cases {
            let got = MasterKey::from_base64(&input);
            assert_eq!(got.is_ok(), ok, "{input:?}");
            if ok {
                assert_eq!(got.unwrap().0, raw);
            }
        }
    }

    #[test]
    fn seal_and_open() {
        let k = MasterKey::generate();
        let other = MasterKey::generate();
        let a = k.seal(b"whsec_abc", b"wh_1");
        let b = k.seal(b"whsec_abc", b"wh_1");
        assert!(a.starts_with("v1.") && !a.contains('=') && !a.contains('+'));
        assert_ne!(a, b, "fresh nonce each time");
        assert_eq!(k.open(&a, b"wh_1").unwrap(), b"whsec_abc");
        assert_eq!(k.open(&k.seal(b"", b""), b"").unwrap(), b"");

        let mut raw = URL_SAFE_NO_PAD.decode(&a[3..]).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        let tampered = format!("v1.{}", URL_SAFE_NO_PAD.encode(&raw));
        raw[last] ^= 1;
        raw[NONCE_LEN] ^= 0x80;
        let tampered_ct = format!("v1.{}", URL_SAFE_NO_PAD.encode(&raw));
        let short = format!("v1.{}", URL_SAFE_NO_PAD.encode([0u8; 39]));
        let v2 = a.replacen("v1.", "v2.", 1);
        let cases: Vec<(&MasterKey, &str, &[u8], &str)> = vec![
            (&other, &a, b"wh_1", "decrypt"),
            (&k, &a, b"wh_2", "decrypt"),
            (&k, &a, b"", "decrypt"),
            (&k, &tampered, b"wh_1", "decrypt"),
            (&k, &tampered_ct, b"wh_1", "decrypt"),
            (&k, &a[3..], b"wh_1", "malformed"),
            (&k, &v2, b"wh_1", "malformed"),
            (&k, "v1.!!!", b"wh_1", "malformed"),
            (&k, &short, b"wh_1", "malformed"),
        ];
        for (i, (key, sealed, aad, want)) in cases.into_iter().enumerate() {
            let got = match key.open(sealed, aad) {
                Err(CryptoError::Decrypt) => "decrypt",
                Err(CryptoError::Malformed) => "malformed",
                other => panic!("case {i}: {other:?}"),
            };
            assert_eq!(got, want, "case {i}");
        }
    }

    #[test]
    fn key_check() {
        let k = MasterKey::generate();
        let check = k.key_check();
        assert!(k.verify_check(&check));
        assert!(MasterKey::from_base64(&k.to_base64())
            .unwrap()
            .verify_check(&check));
        assert!(!MasterKey::generate().verify_check(&check));
        assert!(!k.verify_check(&k.seal(b"something else", CHECK_AAD)));
        assert!(!k.verify_check("garbage"));
    }

    #[test]
    fn key_file() {
        let mut n = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut n);
        let dir = std::env::temp_dir().join(format!("herald-keytest-{}", hex::encode(n)));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("herald.key");

        let (k1, created) = load_or_create_key_file(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(fs::read_to_string(&path).unwrap().trim(), k1.to_base64());
        let (k2, created) = load_or_create_key_file(&path).unwrap();
        assert!(!created);
        assert_eq!(k1.0, k2.0);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "no temp file left");

        let bad = dir.join("bad.key");
        fs::write(&bad, "short").unwrap();
        assert!(matches!(
            load_or_create_key_file(&bad),
            Err(CryptoError::InvalidKey)
        ));
        assert_eq!(
            fs::read_to_string(&bad).unwrap(),
            "short",
            "never overwritten"
        );
        let missing_dir = dir.join("nope").join("herald.key");
        assert!(matches!(
            load_or_create_key_file(&missing_dir),
            Err(CryptoError::Io { .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }
}
