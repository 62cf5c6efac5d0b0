//! The CRC of a concatenation from the CRCs of its pieces and their lengths, without the bytes:
//! how a multipart upload of checksum type FULL_OBJECT gets its whole-object CRC32, CRC32C or
//! CRC64NVME (S3 user guide, "Checking object integrity", full object checksums for multipart
//! uploads). The method is zlib's `crc32_combine`: appending `n` zero bytes to a message is a
//! linear map on the CRC register, applied in O(log n) squarings of a GF(2) matrix. It holds for
//! every reflected CRC whose initial value and final XOR are all ones, which these three are.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use crate::checksum::ChecksumAlgorithm;

/// Reflected polynomial and width (bits) of the CRCs that can be combined.
fn parameters(alg: ChecksumAlgorithm) -> Option<(u64, usize)> {
    match alg {
        ChecksumAlgorithm::Crc32 => Some((0xEDB8_8320, 32)),
        ChecksumAlgorithm::Crc32c => Some((0x82F6_3B78, 32)),
        ChecksumAlgorithm::Crc64Nvme => Some((0x9A6C_9329_AC4B_C9B5, 64)),
        ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => None,
    }
}

/// Whether the algorithm's values can be combined (the CRCs, not the SHAs).
pub fn is_combinable(alg: ChecksumAlgorithm) -> bool {
    parameters(alg).is_some()
}

fn times(matrix: &[u64], mut vector: u64) -> u64 {
    let mut sum = 0;
    let mut row = 0;
    while vector != 0 {
        if vector & 1 != 0 {
            sum ^= matrix[row];
        }
        vector >>= 1;
        row += 1;
    }
    sum
}

fn square(matrix: &[u64]) -> Vec<u64> {
    matrix.iter().map(|&row| times(matrix, row)).collect()
}

/// CRC(A ‖ B) from CRC(A), CRC(B) and the length of B in bytes.
fn combine_pair(poly: u64, width: usize, crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    // The operator for one zero bit, then two, then four: odd powers and even powers of two.
    let mut odd: Vec<u64> = (0..width)
        .map(|n| if n == 0 { poly } else { 1u64 << (n - 1) })
        .collect();
    let mut even = square(&odd);
    odd = square(&even);
    let mut crc = crc_a;
    let mut remaining = len_b;
    loop {
        even = square(&odd);
        if remaining & 1 != 0 {
            crc = times(&even, crc);
        }
        remaining >>= 1;
        if remaining == 0 {
            break;
        }
        odd = square(&even);
        if remaining & 1 != 0 {
            crc = times(&odd, crc);
        }
        remaining >>= 1;
        if remaining == 0 {
            break;
        }
    }
    crc ^ crc_b
}

/// The whole-object checksum (base64, as S3 shows it) of pieces given as (base64 CRC, length),
/// in order; `None` when the algorithm is not a CRC or a value does not decode.
pub fn combine(alg: ChecksumAlgorithm, pieces: &[(&str, u64)]) -> Option<String> {
    let (poly, width) = parameters(alg)?;
    let mut total: Option<u64> = None;
    for (value, length) in pieces {
        let bytes = BASE64.decode(value.trim()).ok()?;
        if bytes.len() * 8 != width {
            return None;
        }
        let crc = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        total = Some(match total {
            None => crc,
            Some(so_far) => combine_pair(poly, width, so_far, crc, *length),
        });
    }
    let total = match total {
        Some(total) => total,
        // The CRC of nothing: what a hasher that saw no byte gives.
        None => return Some(crate::checksum::checksum(alg, b"")),
    };
    let bytes = total.to_be_bytes();
    Some(BASE64.encode(&bytes[bytes.len() - width / 8..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::checksum;

    #[test]
    fn combined_crcs_equal_the_crc_of_the_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for alg in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            for cuts in [
                vec![0, 10_000],
                vec![0, 1, 10_000],
                vec![0, 4096, 4097, 9000, 10_000],
                vec![0, 0, 5000, 5000, 10_000],
            ] {
                let pieces: Vec<(String, u64)> = cuts
                    .windows(2)
                    .map(|w| (checksum(alg, &data[w[0]..w[1]]), (w[1] - w[0]) as u64))
                    .collect();
                let refs: Vec<(&str, u64)> = pieces.iter().map(|(v, l)| (v.as_str(), *l)).collect();
                assert_eq!(
                    combine(alg, &refs).unwrap(),
                    checksum(alg, &data),
                    "{alg:?} {cuts:?}"
                );
            }
        }
        assert_eq!(
            combine(ChecksumAlgorithm::Crc32, &[]).unwrap(),
            checksum(ChecksumAlgorithm::Crc32, b"")
        );
        assert!(combine(ChecksumAlgorithm::Sha256, &[("AAAA", 1)]).is_none());
        assert!(combine(ChecksumAlgorithm::Crc32, &[("AAAAAAAAAAA=", 1)]).is_none());
    }
}
