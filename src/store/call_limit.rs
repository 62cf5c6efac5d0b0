//! Counts one invocation's storage calls against a limit, as the platform counts them (a
//! Worker invocation may make 1,000 calls to KV and R2 together; Cloudflare's "Workers KV
//! limits" page): with `S3EDGE_CALL_LIMIT` set, a call past the limit fails here as it would
//! fail in production, so that a local run shows the operations that would.

use super::{StoreError, StoreResult};
use std::cell::Cell;

/// The calls one invocation has made, and the most it may make (None: not limited).
#[derive(Debug, Default)]
pub struct CallLimit {
    limit: Option<u32>,
    made: Cell<u32>,
}

impl CallLimit {
    pub fn new(limit: Option<u32>) -> CallLimit {
        CallLimit {
            limit,
            made: Cell::new(0),
        }
    }

    /// Counts `calls` more; an error once past the limit (the calls are then not made).
    pub fn spend(&self, calls: usize) -> StoreResult<()> {
        let made = self.made.get().saturating_add(calls as u32);
        self.made.set(made);
        match self.limit {
            Some(limit) if made > limit => Err(StoreError(format!(
                "this invocation would make its storage call number {made}, past the limit of \
                 {limit} calls a Worker invocation may make (S3EDGE_CALL_LIMIT)"
            ))),
            _ => Ok(()),
        }
    }

    /// The calls counted so far.
    pub fn made(&self) -> u32 {
        self.made.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_past_the_limit_and_not_before() {
        let limit = CallLimit::new(Some(1000));
        assert!(limit.spend(999).is_ok());
        assert!(limit.spend(1).is_ok());
        let err = limit.spend(1).expect_err("call 1,001");
        assert!(
            err.0.contains("1001") && err.0.contains("S3EDGE_CALL_LIMIT"),
            "{}",
            err.0
        );
        assert_eq!(limit.made(), 1001);

        let unlimited = CallLimit::new(None);
        assert!(unlimited.spend(1_000_000).is_ok());
    }
}
