//! Argon2 hashing and checking of passwords in memory the caller owns and reuses
//! (docs/security.md#login-throttling). Each check needs 19 MiB; the library's own calls
//! allocate it anew every time, and glibc keeps such freed blocks in the thread's heap, so
//! a process grew by 19 MiB per sign-in. Each hashing thread (`hasher`) owns one
//! [`Memory`] instead, allocated at its first check and reused by every later one.
use argon2::password_hash::ParamsString;
use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Refuse to check stored hashes asking for more than this (64 MiB of blocks).
const MAX_BLOCKS: usize = 64 * 1024;

/// A hashing thread's Argon2 working memory.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// Argon2 blocks held (1 KiB each).
    #[cfg(test)]
    pub(crate) fn held_blocks(&self) -> usize {
        self.0.len()
    }

    fn blocks(&mut self, n: usize) -> &mut [Block] {
        if self.0.len() < n {
            self.0.resize(n, Block::new());
        }
        &mut self.0[..n]
    }
}

/// A new PHC-format Argon2id hash of `password` with the library's default parameters.
pub fn hash(password: &str, memory: &mut Memory) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let (algorithm, version) = (Algorithm::default(), Version::default());
    let output = compute(
        algorithm,
        version,
        &params,
        password,
        salt.as_salt(),
        memory,
    )?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// True when `password` matches the PHC-format `hash` (compared in constant time).
pub fn verify(password: &str, hash: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.block_count() > MAX_BLOCKS {
        return false;
    }
    compute(algorithm, version, &params, password, salt, memory)
        .is_ok_and(|computed| computed == expected)
}

fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &str,
    salt: Salt<'_>,
    memory: &mut Memory,
) -> Result<Output, argon2::password_hash::Error> {
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let blocks = memory.blocks(params.block_count());
    let argon2 = Argon2::new(algorithm, version, params.clone());
    Output::init_with(len, |out| {
        Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut *blocks)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_and_checks_like_the_library() {
        let mut memory = Memory::default();
        let ours = hash("correct horse", &mut memory).unwrap();
        assert!(verify("correct horse", &ours, &mut memory));
        assert!(!verify("wrong horse", &ours, &mut memory));
        assert!(!verify("x", "not a hash", &mut memory));
        // Interchangeable with the library's own hashing and checking.
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify("battery staple", &theirs, &mut memory));
        assert!(!verify("battery", &theirs, &mut memory));
    }
}
