//! Who is asking, as authorization sees it: a configured user (its own account) or anonymous
//! (an unsigned request). See "Policies and Permissions in Amazon S3" for how S3 names them.

/// One account: every configured user is its own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 64-hex canonical user id (ACL grants, `Owner` elements, `{"CanonicalUser": id}`).
    pub canonical_id: String,
    /// The 12-digit account id (policy principals `arn:aws:iam::<id>:root`, `aws:userid`).
    pub account_id: String,
    /// The user's name and display name (`arn:aws:iam::<id>:user/<name>`, `aws:username`).
    pub display_name: String,
    /// For grants by e-mail (`emailAddress=`, `AmazonCustomerByEmail`).
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User(Account),
}

impl Principal {
    pub fn account(&self) -> Option<&Account> {
        match self {
            Principal::User(account) => Some(account),
            Principal::Anonymous => None,
        }
    }

    /// True for the account with this canonical id.
    pub fn is(&self, canonical_id: &str) -> bool {
        self.account()
            .is_some_and(|a| a.canonical_id == canonical_id)
    }
}
