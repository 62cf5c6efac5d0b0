//! Test fixtures shared by the ACL modules' tests: three accounts and a lookup over them.

use super::{AccountLookup, Owner};

pub const ALICE: &str = "a11ce0000000000000000000000000000000000000000000000000000000000a";
pub const BOB: &str = "b0b0000000000000000000000000000000000000000000000000000000000000";
pub const CAROL: &str = "ca201000000000000000000000000000000000000000000000000000000000cc";

pub fn owner(id: &str) -> Owner {
    let name = match id {
        ALICE => "alice",
        BOB => "bob",
        CAROL => "carol",
        _ => "",
    };
    Owner {
        id: id.to_string(),
        display_name: name.to_string(),
    }
}

pub struct Users;

impl AccountLookup for Users {
    fn by_id(&self, id: &str) -> Option<Owner> {
        [ALICE, BOB, CAROL].contains(&id).then(|| owner(id))
    }

    fn by_email(&self, email: &str) -> Option<Owner> {
        match email {
            "alice@example.com" => Some(owner(ALICE)),
            "bob@example.com" => Some(owner(BOB)),
            _ => None,
        }
    }
}

pub fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}
