//! Bucket policies: the JSON document PutBucketPolicy takes, validated as S3 validates it, and
//! evaluated for a request (explicit Deny wins, then Allow, else no match). Follows "Bucket
//! policies for Amazon S3" (bucket-policies.html), "IAM JSON policy element reference"
//! (reference_policies_elements.html) and "Policy evaluation logic" for a single
//! resource-based policy. Pure: no storage, no runtime.

mod actions;
mod condition;
mod pattern;
mod public;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

pub use actions::is_known_action;
/// ISO 8601 dates as IAM reads them (also a POST policy's `expiration`).
pub(crate) use condition::parse_date;
pub use condition::ConditionContext;

use crate::authz::Principal;
use crate::error::{ErrorCode, S3Error};
use condition::Condition;
use pattern::{compile, matches_some_extension, wildcard_match, Elem, Pattern, Vars};

/// "Bucket policies are limited to 20 KB in size", measured on the normalized document.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// The request a policy is asked about.
pub struct PolicyRequest<'a> {
    pub principal: &'a Principal,
    /// e.g. `"s3:GetObject"`.
    pub action: &'a str,
    /// `"arn:aws:s3:::bucket"` or `"arn:aws:s3:::bucket/key"`.
    pub resource: &'a str,
    pub context: &'a ConditionContext,
}

/// What a policy says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyEffect {
    /// A statement explicitly denies it.
    Deny,
    /// A statement allows it and none denies it.
    Allow,
    /// No statement applies.
    NoMatch,
}

/// A validated bucket policy.
#[derive(Debug, Clone)]
pub struct Policy {
    version: Option<String>,
    id: Option<String>,
    statements: Vec<Statement>,
}

#[derive(Debug, Clone)]
struct Statement {
    sid: Option<String>,
    allow: bool,
    principals: Principals,
    /// `NotAction`: the statement applies to every action but these.
    not_action: bool,
    /// Lowercase patterns, compared with the request's action without regard to case.
    actions: Vec<Vec<Elem>>,
    /// `NotResource`: the statement applies to every resource but these.
    not_resource: bool,
    resources: Vec<Pattern>,
    /// All must hold.
    conditions: Vec<Condition>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone)]
struct Principals {
    not: bool,
    entries: Vec<PrincipalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Everyone,
    /// `{"AWS": "123456789012"}` or `{"AWS": "arn:aws:iam::123456789012:root"}`.
    Account(String),
    /// `{"AWS": "arn:aws:iam::123456789012:user/name"}`.
    User { account: String, name: String },
    /// `{"CanonicalUser": "<64 hex>"}`.
    Canonical(String),
    /// Roles, assumed-role sessions, `Service` and `Federated` principals: valid, but no
    /// principal of this service is one of them.
    Unmatched { kind: &'static str, name: String },
}

impl Policy {
    /// Validates a document for PutBucketPolicy on `bucket`: `MalformedPolicy` with S3's
    /// message for the first fault found. A document over [`MAX_POLICY_BYTES`] once
    /// normalized is answered as S3 answers it, `MalformedPolicy` "Normalized policy document
    /// exceeds the maximum allowed size of 20480 bytes" (not `PolicyTooLarge`).
    pub fn parse(json: &str, bucket: &str) -> Result<Policy, S3Error> {
        Policy::read(json, bucket, true)
    }

    /// Reads a document that [`Policy::parse`] accepted when it was put (a bucket's stored
    /// policy, read on every request that has one): the same model, without the checks only
    /// validation needs (each action looked up in S3's list, each resource matched against the
    /// bucket).
    pub fn load(json: &str, bucket: &str) -> Result<Policy, S3Error> {
        Policy::read(json, bucket, false)
    }

    fn read(json: &str, bucket: &str, validate: bool) -> Result<Policy, S3Error> {
        if !json.starts_with('{') {
            return Err(malformed(
                "Policies must be valid JSON and the first byte must be '{'",
            ));
        }
        let document: Value = serde_json::from_str(json)
            .map_err(|_| malformed("This policy contains invalid Json"))?;
        let normalized = serde_json::to_string(&document).map_err(|_| syntax_error())?;
        if normalized.len() > MAX_POLICY_BYTES {
            return Err(malformed(format!(
                "Normalized policy document exceeds the maximum allowed size of {MAX_POLICY_BYTES} bytes"
            )));
        }
        let Value::Object(members) = document else {
            return Err(malformed(
                "Policies must be valid JSON and the first byte must be '{'",
            ));
        };
        let mut version = None;
        let mut id = None;
        let mut statement = None;
        for (name, value) in &members {
            match name.as_str() {
                "Version" => match value {
                    Value::String(v) if v == "2012-10-17" || v == "2008-10-17" => {
                        version = Some(v.clone())
                    }
                    _ => return Err(malformed("The policy must contain a valid version string")),
                },
                "Id" => match value {
                    Value::String(v) => id = Some(v.clone()),
                    _ => return Err(syntax_error()),
                },
                "Statement" => statement = Some(value),
                _ => return Err(syntax_error()),
            }
        }
        // "Policy variables ... work only with version 2012-10-17"; earlier, `${` is text.
        let variables = version.as_deref() == Some("2012-10-17");
        let statements = match statement {
            None => return Err(malformed("Missing required field Statement")),
            Some(Value::Array(items)) if items.is_empty() => {
                return Err(malformed("Could not parse the policy: Statement is empty!"))
            }
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| Statement::parse(item, bucket, variables, validate))
                .collect::<Result<Vec<_>, _>>()?,
            Some(single @ Value::Object(_)) => {
                vec![Statement::parse(single, bucket, variables, validate)?]
            }
            Some(_) => return Err(syntax_error()),
        };
        Ok(Policy {
            version,
            id,
            statements,
        })
    }

    /// Explicit Deny anywhere wins; else Allow if any statement allows; else NoMatch.
    pub fn evaluate(&self, request: &PolicyRequest) -> PolicyEffect {
        let vars = Vars {
            principal: request.principal,
            context: request.context,
        };
        let mut allowed = false;
        for statement in &self.statements {
            if statement.allow && allowed {
                continue;
            }
            if statement.applies(request, &vars) {
                if !statement.allow {
                    return PolicyEffect::Deny;
                }
                allowed = true;
            }
        }
        if allowed {
            PolicyEffect::Allow
        } else {
            PolicyEffect::NoMatch
        }
    }

    /// AWS's definition of a "public" policy ("The meaning of public" in the S3 user guide,
    /// access-control-block-public-access.html).
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(public::grants_public_access)
    }

    /// The document's `Version`, when it has one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The document's `Id`, when it has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `Sid` of each statement, in order.
    pub fn sids(&self) -> impl Iterator<Item = Option<&str>> {
        self.statements.iter().map(|s| s.sid.as_deref())
    }
}

impl Statement {
    fn parse(
        value: &Value,
        bucket: &str,
        variables: bool,
        validate: bool,
    ) -> Result<Statement, S3Error> {
        let Value::Object(members) = value else {
            return Err(syntax_error());
        };
        for name in members.keys() {
            if !matches!(
                name.as_str(),
                "Sid"
                    | "Effect"
                    | "Principal"
                    | "NotPrincipal"
                    | "Action"
                    | "NotAction"
                    | "Resource"
                    | "NotResource"
                    | "Condition"
            ) {
                return Err(syntax_error());
            }
        }
        let sid = match members.get("Sid") {
            None => None,
            Some(Value::String(sid)) => Some(sid.clone()),
            Some(_) => return Err(syntax_error()),
        };
        let allow = match members.get("Effect") {
            None => return Err(malformed("Missing required field Effect")),
            Some(Value::String(effect)) if effect == "Allow" => true,
            Some(Value::String(effect)) if effect == "Deny" => false,
            Some(Value::String(effect)) => {
                return Err(malformed(format!("Invalid effect: {effect}")))
            }
            Some(_) => return Err(syntax_error()),
        };
        let (principal, not_principal) = either(members, "Principal", "NotPrincipal")?;
        let principal = principal.ok_or_else(|| malformed("Missing required field Principal"))?;
        let principals = Principals {
            not: not_principal,
            entries: parse_principals(principal)?,
        };

        let (action, not_action) = either(members, "Action", "NotAction")?;
        let action = action.ok_or_else(|| malformed("Missing required field Action"))?;
        let action_texts = strings(action)?;
        if action_texts.is_empty() {
            return Err(malformed("Policy has invalid action"));
        }
        let mut actions = Vec::with_capacity(action_texts.len());
        for text in &action_texts {
            actions.push(parse_action(text, validate)?);
        }

        let (resource, not_resource) = either(members, "Resource", "NotResource")?;
        let resource = resource.ok_or_else(|| malformed("Missing required field Resource"))?;
        let resource_texts = strings(resource)?;
        if resource_texts.is_empty() {
            return Err(malformed("Policy has invalid resource"));
        }
        let resources: Vec<Pattern> = resource_texts
            .iter()
            .map(|text| Pattern::new(text, variables))
            .collect();
        let (mut to_bucket, mut to_object) = (false, false);
        for resource in resources.iter().filter(|_| validate) {
            let (bucket_ok, object_ok) = reach(resource, bucket);
            if !(bucket_ok || object_ok) {
                return Err(malformed("Policy has invalid resource"));
            }
            to_bucket |= bucket_ok;
            to_object |= object_ok;
        }
        if validate && !not_action && !not_resource {
            let applies = actions.iter().all(|pattern| {
                actions::ACTIONS.iter().any(|(name, applies)| {
                    names_action(pattern, name)
                        && ((to_bucket && applies.to_bucket())
                            || (to_object && applies.to_object()))
                })
            });
            if !applies {
                return Err(malformed(
                    "Action does not apply to any resource(s) in statement",
                ));
            }
        }

        let conditions = match members.get("Condition") {
            None => Vec::new(),
            Some(block) => condition::parse_block(block, variables)?,
        };
        Ok(Statement {
            sid,
            allow,
            principals,
            not_action,
            actions,
            not_resource,
            resources,
            conditions,
        })
    }

    fn applies(&self, request: &PolicyRequest, vars: &Vars) -> bool {
        let action = request.action.as_bytes();
        let action_listed = self
            .actions
            .iter()
            .any(|pattern| wildcard_match(pattern, action, true));
        if action_listed == self.not_action {
            return false;
        }
        let resource_listed = self
            .resources
            .iter()
            .any(|pattern| pattern.matches(request.resource, vars));
        if resource_listed == self.not_resource {
            return false;
        }
        if !self.principals.include(request.principal) {
            return false;
        }
        self.conditions
            .iter()
            .all(|condition| condition.holds(request.context, vars))
    }
}

impl Principals {
    fn include(&self, principal: &Principal) -> bool {
        let listed = self.entries.iter().any(|entry| entry.matches(principal));
        listed != self.not
    }
}

impl PrincipalEntry {
    fn matches(&self, principal: &Principal) -> bool {
        let account = principal.account();
        match self {
            PrincipalEntry::Everyone => true,
            PrincipalEntry::Account(id) => account.is_some_and(|a| a.account_id == *id),
            PrincipalEntry::User { account: id, name } => {
                account.is_some_and(|a| a.account_id == *id && a.display_name == *name)
            }
            PrincipalEntry::Canonical(id) => {
                account.is_some_and(|a| a.canonical_id.eq_ignore_ascii_case(id))
            }
            PrincipalEntry::Unmatched { .. } => false,
        }
    }
}

/// The element or its `Not` form (not both), and which one it was.
fn either<'a>(
    members: &'a Map<String, Value>,
    name: &str,
    not_name: &str,
) -> Result<(Option<&'a Value>, bool), S3Error> {
    match (members.get(name), members.get(not_name)) {
        (Some(_), Some(_)) => Err(syntax_error()),
        (Some(value), None) => Ok((Some(value), false)),
        (None, Some(value)) => Ok((Some(value), true)),
        (None, None) => Ok((None, false)),
    }
}

/// A string, or an array of strings ("the brackets are optional" for one value).
fn strings(value: &Value) -> Result<Vec<String>, S3Error> {
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                _ => Err(syntax_error()),
            })
            .collect(),
        _ => Err(syntax_error()),
    }
}

fn invalid_principal() -> S3Error {
    malformed("Invalid principal in policy")
}

fn parse_principals(value: &Value) -> Result<Vec<PrincipalEntry>, S3Error> {
    let members = match value {
        Value::String(everyone) if everyone == "*" => return Ok(vec![PrincipalEntry::Everyone]),
        Value::Object(members) if !members.is_empty() => members,
        _ => return Err(invalid_principal()),
    };
    let mut entries = Vec::new();
    for (kind, names) in members {
        let names = strings(names).map_err(|_| invalid_principal())?;
        if names.is_empty() {
            return Err(invalid_principal());
        }
        for name in names {
            entries.push(match kind.as_str() {
                "AWS" => aws_principal(&name)?,
                "CanonicalUser" => {
                    if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(invalid_principal());
                    }
                    PrincipalEntry::Canonical(name.to_ascii_lowercase())
                }
                "Service" | "Federated" if !name.is_empty() && name != "*" => {
                    PrincipalEntry::Unmatched {
                        kind: if kind == "Service" {
                            "Service"
                        } else {
                            "Federated"
                        },
                        name,
                    }
                }
                _ => return Err(invalid_principal()),
            });
        }
    }
    Ok(entries)
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An `AWS` principal: `*`, an account id, or an IAM/STS ARN naming an account's root, a user,
/// a role or an assumed-role session. Wildcards are refused: "You cannot use a wildcard to
/// match part of a principal name or ARN".
fn aws_principal(name: &str) -> Result<PrincipalEntry, S3Error> {
    if name == "*" {
        return Ok(PrincipalEntry::Everyone);
    }
    if name.contains(['*', '?']) {
        return Err(invalid_principal());
    }
    if is_account_id(name) {
        return Ok(PrincipalEntry::Account(name.to_owned()));
    }
    let (service, rest) = if let Some(rest) = name.strip_prefix("arn:aws:iam::") {
        ("iam", rest)
    } else if let Some(rest) = name.strip_prefix("arn:aws:sts::") {
        ("sts", rest)
    } else {
        return Err(invalid_principal());
    };
    let (account, resource) = rest.split_once(':').ok_or_else(invalid_principal)?;
    if !is_account_id(account) {
        return Err(invalid_principal());
    }
    match (service, resource.split_once('/')) {
        ("iam", None) if resource == "root" => Ok(PrincipalEntry::Account(account.to_owned())),
        ("iam", Some(("user", path))) => {
            // `user/path/name`: the name is the last segment.
            let user = path.rsplit('/').next().unwrap_or(path);
            if user.is_empty() {
                return Err(invalid_principal());
            }
            Ok(PrincipalEntry::User {
                account: account.to_owned(),
                name: user.to_owned(),
            })
        }
        ("iam", Some(("role", role))) | ("sts", Some(("assumed-role", role)))
            if !role.is_empty() =>
        {
            Ok(PrincipalEntry::Unmatched {
                kind: "AWS",
                name: name.to_owned(),
            })
        }
        _ => Err(invalid_principal()),
    }
}

/// An action pattern: `*` or `s3:<name>` with wildcards, naming at least one S3 action.
fn parse_action(text: &str, validate: bool) -> Result<Vec<Elem>, S3Error> {
    let lower = text.to_ascii_lowercase();
    let lower = if lower == "*" {
        "s3:*".to_owned()
    } else {
        lower
    };
    let pattern: Vec<Elem> = compile(&lower).collect();
    let known = actions::strip_service(&lower).is_some()
        && (!validate
            || actions::ACTIONS
                .iter()
                .any(|(name, _)| names_action(&pattern, name)));
    if known {
        Ok(pattern)
    } else {
        Err(malformed("Policy has invalid action"))
    }
}

/// Whether an action pattern (lowercase, `s3:` prefix) names the action `s3:<name>`.
fn names_action(pattern: &[Elem], name: &str) -> bool {
    let mut full = Vec::with_capacity(name.len() + 3);
    full.extend_from_slice(b"s3:");
    full.extend_from_slice(name.as_bytes());
    wildcard_match(pattern, &full, true)
}

/// Whether a resource pattern can match this bucket, and an object in it. A variable can
/// stand for anything here. Any other resource is not this bucket's: "Policy has invalid
/// resource".
fn reach(resource: &Pattern, bucket: &str) -> (bool, bool) {
    const PREFIX: &str = "arn:aws:s3:::";
    if !resource.raw().starts_with(PREFIX) {
        return (false, false);
    }
    let pattern = resource.template().loose_pattern();
    let bucket_arn = format!("{PREFIX}{bucket}");
    let to_bucket = wildcard_match(&pattern, bucket_arn.as_bytes(), false);
    let to_object = matches_some_extension(&pattern, format!("{bucket_arn}/").as_bytes());
    (to_bucket, to_object)
}

fn malformed(message: impl Into<String>) -> S3Error {
    S3Error::with_message(ErrorCode::MalformedPolicy, message)
}

/// A document of the wrong shape: an unknown element, an element of the wrong JSON type.
fn syntax_error() -> S3Error {
    malformed("Invalid policy syntax.")
}
