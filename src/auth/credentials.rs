//! The configured users: access key, secret, canonical id and display name, loaded from JSON.
//! Secrets never appear in Debug output or in error messages. The canonical id and display
//! name are what S3 reports as `Owner` (see "Access control list (ACL) overview", acl-overview.html).

use std::fmt;

use serde_json::Value;

use crate::authz::Account;

/// One account that may sign requests.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// S3 canonical user id (64 hex characters by default).
    pub canonical_id: String,
    pub display_name: String,
    /// The 12-digit account id policies name (`arn:aws:iam::<id>:root`).
    pub account_id: String,
    /// For grants by e-mail address.
    pub email: Option<String>,
}

impl User {
    /// A user with the default canonical id (hex SHA-256 of the access key id) and display name
    /// (the access key id).
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> User {
        let access_key_id = access_key_id.into();
        User {
            canonical_id: default_canonical_id(&access_key_id),
            display_name: access_key_id.clone(),
            account_id: default_account_id(&access_key_id),
            email: None,
            access_key_id,
            secret_access_key: secret_access_key.into(),
        }
    }

    /// The user as authorization sees it.
    pub fn account(&self) -> Account {
        Account {
            canonical_id: self.canonical_id.clone(),
            account_id: self.account_id.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
        }
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("canonical_id", &self.canonical_id)
            .field("display_name", &self.display_name)
            .field("account_id", &self.account_id)
            .field("email", &self.email)
            .finish()
    }
}

/// Hex SHA-256 of the access key id.
pub fn default_canonical_id(access_key_id: &str) -> String {
    super::sigv4::sha256_hex(access_key_id.as_bytes())
}

/// Twelve decimal digits from the SHA-256 of the access key id.
pub fn default_account_id(access_key_id: &str) -> String {
    let hex = super::sigv4::sha256_hex(access_key_id.as_bytes());
    let number = u64::from_str_radix(&hex[..15], 16).unwrap_or(0) % 1_000_000_000_000;
    format!("{number:012}")
}

/// All users, looked up by access key id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Users {
    users: Vec<User>,
}

impl Users {
    /// Parses a JSON array of `{"accessKeyId", "secretAccessKey", "canonicalUserId"?, "displayName"?}`.
    pub fn from_json(json: &str) -> Result<Users, String> {
        // Parse into a Value first: serde_json's syntax errors carry only positions, whereas
        // typed deserialisation errors may quote the offending value (which could be a secret).
        let value: Value = serde_json::from_str(json).map_err(|e| {
            format!(
                "users JSON is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let entries = value
            .as_array()
            .ok_or_else(|| "users JSON must be an array of user objects".to_string())?;
        if entries.is_empty() {
            return Err("users JSON defines no users".to_string());
        }
        let mut users = Users::default();
        for (index, entry) in entries.iter().enumerate() {
            let object = entry
                .as_object()
                .ok_or_else(|| format!("user #{index} is not a JSON object"))?;
            let access_key_id = required_string(object, "accessKeyId", index)?;
            let secret = required_string(object, "secretAccessKey", index)?;
            if access_key_id.contains('/') || access_key_id.chars().any(char::is_whitespace) {
                return Err(format!(
                    "user #{index}: accessKeyId must not contain '/' or whitespace"
                ));
            }
            let mut user = User::new(access_key_id, secret);
            if let Some(id) = optional_string(object, "canonicalUserId", index)? {
                user.canonical_id = id;
            }
            if let Some(name) = optional_string(object, "displayName", index)? {
                user.display_name = name;
            }
            if let Some(id) = optional_string(object, "accountId", index)? {
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("user #{index}: accountId must be 12 digits"));
                }
                user.account_id = id;
            }
            user.email = optional_string(object, "email", index)?;
            if users.find(&user.access_key_id).is_some() {
                return Err(format!(
                    "user #{index}: duplicate accessKeyId {}",
                    user.access_key_id
                ));
            }
            users.users.push(user);
        }
        Ok(users)
    }

    /// One user with default canonical id and display name.
    pub fn single(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Users {
        Users {
            users: vec![User::new(access_key_id, secret_access_key)],
        }
    }

    pub fn find(&self, access_key_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.access_key_id == access_key_id)
    }

    /// The user with this canonical id (ACL grants by id).
    pub fn by_canonical_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.canonical_id == id)
    }

    /// The user with this e-mail address, compared case-insensitively (grants by e-mail).
    pub fn by_email(&self, email: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.users.iter()
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

type Object = serde_json::Map<String, Value>;

fn required_string(object: &Object, field: &str, index: usize) -> Result<String, String> {
    match object.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("user #{index}: {field} must not be empty")),
        Some(_) => Err(format!("user #{index}: {field} must be a string")),
        None => Err(format!("user #{index}: {field} is missing")),
    }
}

fn optional_string(object: &Object, field: &str, index: usize) -> Result<Option<String>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(format!("user #{index}: {field} must not be empty")),
        Some(_) => Err(format!("user #{index}: {field} must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn parses_users_with_defaults() {
        let users = Users::from_json(
            r#"[{"accessKeyId":"AKID1","secretAccessKey":"s1","canonicalUserId":"abc","displayName":"alice"},
                {"accessKeyId":"AKID2","secretAccessKey":"s2"}]"#,
        )
        .unwrap();
        assert_eq!(users.len(), 2);
        let alice = users.find("AKID1").unwrap();
        assert_eq!(alice.canonical_id, "abc");
        assert_eq!(alice.display_name, "alice");
        let second = users.find("AKID2").unwrap();
        assert_eq!(second.secret_access_key, "s2");
        assert_eq!(second.canonical_id, default_canonical_id("AKID2"));
        assert_eq!(second.canonical_id.len(), 64);
        assert_eq!(second.display_name, "AKID2");
        assert_eq!(second.account_id, default_account_id("AKID2"));
        assert_eq!(second.account_id.len(), 12);
        assert_ne!(second.account_id, default_account_id("AKID1"));
        assert!(users.find("AKID3").is_none());
        assert_eq!(users.iter().count(), 2);
    }

    #[test]
    fn parses_account_ids_and_emails() {
        let users = Users::from_json(
            r#"[{"accessKeyId":"A","secretAccessKey":"s","accountId":"123456789012","email":"Alice@Example.com"}]"#,
        )
        .unwrap();
        let alice = users.find("A").unwrap();
        assert_eq!(alice.account_id, "123456789012");
        assert_eq!(
            users.by_email("alice@example.com").unwrap().access_key_id,
            "A"
        );
        assert!(users.by_email("bob@example.com").is_none());
        assert_eq!(
            users
                .by_canonical_id(&alice.canonical_id)
                .unwrap()
                .access_key_id,
            "A"
        );
        assert_eq!(alice.account().email.as_deref(), Some("Alice@Example.com"));
        let bad = r#"[{"accessKeyId":"A","secretAccessKey":"s","accountId":"12"}]"#;
        assert!(Users::from_json(bad).unwrap_err().contains("accountId"));
    }

    #[test]
    fn errors_never_quote_secrets() {
        let cases = [
            format!("[{{\"accessKeyId\":\"A\",\"secretAccessKey\":\"{SECRET}\",\"displayName\":5}}]"),
            format!("[{{\"accessKeyId\":\"A\",\"secretAccessKey\":\"{SECRET}\"}},{{\"accessKeyId\":\"A\",\"secretAccessKey\":\"{SECRET}\"}}]"),
            format!("[{{\"accessKeyId\":\"A\",\"secretAccessKey\":\"{SECRET}\""),
            format!("{{\"accessKeyId\":\"A\",\"secretAccessKey\":\"{SECRET}\"}}"),
            format!("[{{\"secretAccessKey\":\"{SECRET}\"}}]"),
            "[{\"accessKeyId\":\"A\",\"secretAccessKey\":12345678}]".to_string(),
            "[]".to_string(),
            "[{\"accessKeyId\":\"A\",\"secretAccessKey\":\"\"}]".to_string(),
        ];
        for json in cases {
            let err = Users::from_json(&json).unwrap_err();
            assert!(!err.contains(SECRET), "{err}");
            assert!(!err.contains("12345678"), "{err}");
            assert!(!err.contains("EXAMPLEKEY"), "{err}");
        }
    }

    #[test]
    fn debug_redacts_the_secret() {
        let users = Users::single("AKIAIOSFODNN7EXAMPLE", SECRET);
        let text = format!(
            "{users:?} {:?}",
            users.find("AKIAIOSFODNN7EXAMPLE").unwrap()
        );
        assert!(text.contains("AKIAIOSFODNN7EXAMPLE"));
        assert!(!text.contains("EXAMPLEKEY"));
        assert!(text.contains("<redacted>"));
    }
}
