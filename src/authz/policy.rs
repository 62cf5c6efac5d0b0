//! Bucket policies (placeholder; see the policy work).
