//! What Object Lock forbids ("How S3 Object Lock works", S3 User Guide): removing a version
//! under a legal hold or an unexpired retention (GOVERNANCE yields to a permitted bypass,
//! COMPLIANCE to nothing), and weakening a retention (COMPLIANCE never, before it ends;
//! GOVERNANCE only with a permitted bypass). Placing a delete marker is never refused.

use super::{ObjectLock, Retention, RetentionMode};
use crate::error::{ErrorCode, S3Error};

/// Whether the caller may bypass GOVERNANCE retention: it asked (`x-amz-bypass-governance-retention`)
/// and is allowed `s3:BypassGovernanceRetention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bypass {
    No,
    Granted,
}

fn protected() -> S3Error {
    S3Error::with_message(
        ErrorCode::AccessDenied,
        "Access Denied because object protected by object lock.",
    )
}

/// Whether a version with this lock may be removed for good at `now_millis`.
pub fn check_removal(lock: &ObjectLock, now_millis: i64, bypass: Bypass) -> Result<(), S3Error> {
    if lock.held() {
        return Err(protected());
    }
    match lock.retention {
        Some(r) if r.in_force(now_millis) => match (r.mode, bypass) {
            (RetentionMode::Governance, Bypass::Granted) => Ok(()),
            _ => Err(protected()),
        },
        _ => Ok(()),
    }
}

/// Whether a version's retention may become `new` (`None`: lifted) at `now_millis`: an
/// expired or absent retention may be set to anything; one in force may be kept or lengthened
/// (a GOVERNANCE one also made COMPLIANCE); anything else needs GOVERNANCE and a bypass.
pub fn check_retention_change(
    current: Option<&Retention>,
    new: Option<&Retention>,
    now_millis: i64,
    bypass: Bypass,
) -> Result<(), S3Error> {
    let Some(current) = current.filter(|c| c.in_force(now_millis)) else {
        return Ok(());
    };
    let keeps_or_extends = new.is_some_and(|n| {
        n.until_millis >= current.until_millis
            && (n.mode == RetentionMode::Compliance || current.mode == RetentionMode::Governance)
    });
    match (keeps_or_extends, current.mode, bypass) {
        (true, _, _) => Ok(()),
        (false, RetentionMode::Governance, Bypass::Granted) => Ok(()),
        _ => Err(protected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RetentionMode::{Compliance, Governance};

    const NOW: i64 = 1_000_000;
    const LATER: i64 = NOW + 60_000;
    const EARLIER: i64 = NOW - 1;

    fn held(mode: RetentionMode, until_millis: i64, legal_hold: bool) -> ObjectLock {
        ObjectLock {
            retention: Some(Retention { mode, until_millis }),
            legal_hold: Some(legal_hold),
        }
    }

    #[test]
    fn removal_rules() {
        use Bypass::{Granted, No};
        // (lock, bypass, removable)
        let table = [
            (ObjectLock::default(), No, true),
            (held(Governance, LATER, false), No, false),
            (held(Governance, LATER, false), Granted, true),
            (held(Compliance, LATER, false), No, false),
            (held(Compliance, LATER, false), Granted, false),
            (held(Compliance, EARLIER, false), No, true),
            (held(Governance, NOW, false), No, true),
            (held(Governance, EARLIER, true), Granted, false),
            (
                ObjectLock {
                    retention: None,
                    legal_hold: Some(true),
                },
                Granted,
                false,
            ),
        ];
        for (lock, bypass, removable) in table {
            let verdict = check_removal(&lock, NOW, bypass);
            assert_eq!(verdict.is_ok(), removable, "{lock:?} {bypass:?}");
            if let Err(err) = verdict {
                assert_eq!(err.code, ErrorCode::AccessDenied);
            }
        }
    }

    #[test]
    fn retention_change_rules() {
        use Bypass::{Granted, No};
        let r = |mode, until_millis| Some(Retention { mode, until_millis });
        // (current, new, bypass, allowed)
        let table = [
            (None, r(Compliance, LATER), No, true),
            (r(Compliance, EARLIER), None, No, true),
            (r(Compliance, LATER), r(Compliance, LATER + 1), No, true),
            (r(Compliance, LATER), r(Compliance, LATER), No, true),
            (
                r(Compliance, LATER),
                r(Compliance, LATER - 1),
                Granted,
                false,
            ),
            (
                r(Compliance, LATER),
                r(Governance, LATER + 1),
                Granted,
                false,
            ),
            (r(Compliance, LATER), None, Granted, false),
            (r(Governance, LATER), r(Governance, LATER + 1), No, true),
            (r(Governance, LATER), r(Compliance, LATER), No, true),
            (r(Governance, LATER), r(Governance, LATER - 1), No, false),
            (
                r(Governance, LATER),
                r(Governance, LATER - 1),
                Granted,
                true,
            ),
            (r(Governance, LATER), None, No, false),
            (r(Governance, LATER), None, Granted, true),
        ];
        for (current, new, bypass, allowed) in table {
            let verdict = check_retention_change(current.as_ref(), new.as_ref(), NOW, bypass);
            assert_eq!(
                verdict.is_ok(),
                allowed,
                "{current:?} -> {new:?} {bypass:?}"
            );
        }
    }
}
