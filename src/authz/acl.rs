//! Access control lists (placeholder; see the ACL work).
