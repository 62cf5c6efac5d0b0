//! Whether a bucket policy is "public", as S3 Block Public Access judges it: "Amazon S3 begins
//! by assuming that the policy is public", and a policy is non-public only when every
//! statement that allows grants access only to fixed values of a principal or of certain
//! condition keys. Follows "The meaning of public" in "Blocking public access to your Amazon
//! S3 storage" (access-control-block-public-access.html).

use std::net::IpAddr;

use super::condition::{is_fixed, Cidr, Condition, Family, SetQualifier, Values};
use super::{PrincipalEntry, Statement};

/// Keys that, held to fixed values, make a statement non-public: the page's list (principal
/// keys such as `aws:PrincipalOrgID` under "An AWS principal, user, role, or service
/// principal"), lowercase.
const FIXING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/// True when the statement grants access the page counts as public.
pub(super) fn grants_public_access(statement: &Statement) -> bool {
    statement.allow && principal_is_open(statement) && !statement.conditions.iter().any(confines)
}

/// `NotPrincipal` (everyone but some), `*`/`{"AWS": "*"}`, or a federated identity provider
/// (the page's first public example) leave the grant open; accounts, users, canonical users,
/// roles and services are fixed principals.
fn principal_is_open(statement: &Statement) -> bool {
    let principals = &statement.principals;
    principals.not
        || principals.entries.iter().any(|entry| {
            matches!(
                entry,
                PrincipalEntry::Everyone
                    | PrincipalEntry::Unmatched {
                        kind: "Federated",
                        ..
                    }
            )
        })
}

/// Whether a condition holds every request to fixed values of a confining key. A condition a
/// request without the key satisfies (`...IfExists`, `ForAllValues:`, a negated operator)
/// confines nothing.
fn confines(condition: &Condition) -> bool {
    let operator = condition.operator;
    if operator.if_exists || operator.negated || operator.set == SetQualifier::ForAllValues {
        return false;
    }
    if condition.key == "aws:sourceip" {
        return match &condition.values {
            Values::Cidrs(cidrs) => !cidrs.is_empty() && cidrs.iter().all(narrow_enough),
            _ => false,
        };
    }
    if !FIXING_KEYS.contains(&condition.key.as_str()) {
        return false;
    }
    let texts: Vec<&str> = match &condition.values {
        Values::Strings(templates) => templates.iter().map(|t| t.raw.as_str()).collect(),
        Values::Patterns(patterns) => patterns.iter().map(|p| p.raw()).collect(),
        _ => return false,
    };
    if !matches!(
        operator.family,
        Family::StringEquals | Family::StringEqualsIgnoreCase | Family::StringLike | Family::Arn
    ) {
        return false;
    }
    !texts.is_empty()
        && texts.iter().all(|text| match condition.key.as_str() {
            "aws:userid" => is_fixed(text) || fixed_role_sessions(text),
            "s3:dataaccesspointarn" => is_fixed(text) || fixed_account_access_points(text),
            _ => is_fixed(text),
        })
}

/// "Bucket policies that grant access conditioned on the aws:SourceIp condition key with very
/// broad IP ranges (for example, 0.0.0.0/1) are evaluated as public. This includes values
/// broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)." Every range
/// of RFC 1918 is /8 or narrower, so the exclusion changes nothing here.
fn narrow_enough(cidr: &Cidr) -> bool {
    match cidr.address {
        IpAddr::V4(_) => cidr.prefix >= 8,
        IpAddr::V6(_) => cidr.prefix >= 32,
    }
}

/// `aws:userid` "outside the pattern AROLEID:*": a fixed role id, then any session name.
fn fixed_role_sessions(text: &str) -> bool {
    text.strip_suffix(":*")
        .is_some_and(|role| !role.is_empty() && is_fixed(role))
}

/// `s3:DataAccessPointArn`: "this value can contain a wildcard for the access point name
/// without rendering the policy public, as long as the account id is fixed".
fn fixed_account_access_points(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    [arn, partition, service, region]
        .iter()
        .all(|part| !part.is_empty() && is_fixed(part))
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("accesspoint/")
            .is_some_and(|name| !name.contains("${"))
}
