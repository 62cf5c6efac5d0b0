//! Table tests of the policy model: parsing and its errors, matching, every condition
//! operator, `is_public`, and the examples of "Examples of Amazon S3 bucket policies"
//! (example-bucket-policies.html).

use super::*;
use crate::authz::Account;

const BUCKET: &str = "example-bucket";
const OBJECT: &str = "arn:aws:s3:::example-bucket/photos/cat.jpg";
const BUCKET_ARN: &str = "arn:aws:s3:::example-bucket";
const ALICE_ACCOUNT: &str = "111122223333";
const BOB_ACCOUNT: &str = "444455556666";

fn canonical(seed: char) -> String {
    std::iter::repeat_n(seed, 64).collect()
}

fn alice() -> Principal {
    Principal::User(Account {
        canonical_id: canonical('a'),
        account_id: ALICE_ACCOUNT.into(),
        display_name: "alice".into(),
        email: None,
    })
}

fn bob() -> Principal {
    Principal::User(Account {
        canonical_id: canonical('b'),
        account_id: BOB_ACCOUNT.into(),
        display_name: "bob".into(),
        email: None,
    })
}

fn document(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn policy(statements: &str) -> Policy {
    let json = document(statements);
    Policy::parse(&json, BUCKET).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn eval(
    policy: &Policy,
    principal: &Principal,
    action: &str,
    resource: &str,
    context: &ConditionContext,
) -> PolicyEffect {
    policy.evaluate(&PolicyRequest {
        principal,
        action,
        resource,
        context,
    })
}

fn error(json: &str) -> String {
    let err = Policy::parse(json, BUCKET).expect_err(json);
    assert_eq!(err.code, ErrorCode::MalformedPolicy, "{json}");
    err.message
}

fn statement_error(statement: &str) -> String {
    error(&document(statement))
}

fn context(pairs: &[(&str, &str)]) -> ConditionContext {
    let mut context = ConditionContext::new();
    for (key, value) in pairs {
        context.set(key, *value);
    }
    context
}

/// An Allow of GetObject to everyone under one condition.
fn conditional(operator: &str, key: &str, values: &str) -> Policy {
    policy(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*",
            "Condition":{{"{operator}":{{"{key}":{values}}}}}}}"#
    ))
}

fn holds(policy: &Policy, context: &ConditionContext) -> bool {
    match eval(policy, &alice(), "s3:GetObject", OBJECT, context) {
        PolicyEffect::Allow => true,
        PolicyEffect::NoMatch => false,
        PolicyEffect::Deny => panic!("no Deny here"),
    }
}

// ---------- parsing and validation ----------

#[test]
fn parse_errors_carry_s3_messages() {
    let ok_statement = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#;
    let cases: &[(&str, &str)] = &[
        (
            "",
            "Policies must be valid JSON and the first byte must be '{'",
        ),
        (
            "[]",
            "Policies must be valid JSON and the first byte must be '{'",
        ),
        (
            " {}",
            "Policies must be valid JSON and the first byte must be '{'",
        ),
        ("{\"Statement\":", "This policy contains invalid Json"),
        (
            "{\"Version\":\"2012-10-17\"}",
            "Missing required field Statement",
        ),
        (
            "{\"Statement\":[]}",
            "Could not parse the policy: Statement is empty!",
        ),
        ("{\"Statement\":\"x\"}", "Invalid policy syntax."),
        (
            "{\"Version\":\"2020-01-01\",\"Statement\":[]}",
            "The policy must contain a valid version string",
        ),
    ];
    for (json, message) in cases {
        assert_eq!(error(json), *message, "{json}");
    }
    let unknown_top = format!(r#"{{"Statement":[{ok_statement}],"Extra":1}}"#);
    assert_eq!(error(&unknown_top), "Invalid policy syntax.");
}

#[test]
fn statement_errors_carry_s3_messages() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Missing required field Effect",
        ),
        (
            r#"{"Effect":"hello","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid effect: hello",
        ),
        (
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Missing required field Principal",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Missing required field Action",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}"#,
            "Missing required field Resource",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Foo":1}"#,
            "Invalid policy syntax.",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"invalid_action","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Policy has invalid action",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Policy has invalid action",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Policy has invalid action",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}"#,
            "Policy has invalid resource",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
            "Policy has invalid resource",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:iam::111122223333:root"}"#,
            "Policy has invalid resource",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::example-bucket"}"#,
            "Action does not apply to any resource(s) in statement",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Action does not apply to any resource(s) in statement",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::example-bucket"}"#,
            "Action does not apply to any resource(s) in statement",
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"user"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid principal in policy",
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid principal in policy",
        ),
        (
            r#"{"Effect":"Allow","Principal":{"CanonicalUser":"abc"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid principal in policy",
        ),
        (
            r#"{"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid principal in policy",
        ),
        (
            r#"{"Effect":"Allow","Principal":"someone","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid principal in policy",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Condition":{"StringEqualss":{"aws:username":"x"}}}"#,
            "Invalid Condition type : StringEqualss",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Condition":{"NullIfExists":{"aws:username":"true"}}}"#,
            "Invalid Condition type : NullIfExists",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Condition":{"StringEquals":{"s3:x-acl":"private"}}}"#,
            "Policy has an invalid condition key",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Condition":{"StringEquals":{"ec2:InstanceType":"t2"}}}"#,
            "Policy has an invalid condition key",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.2.3/8"}}}"#,
            "Invalid IP address in Conditions",
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","NotAction":"s3:PutObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
            "Invalid policy syntax.",
        ),
    ];
    for (statement, message) in cases {
        assert_eq!(statement_error(statement), *message, "{statement}");
    }
}

#[test]
fn oversized_policy_is_malformed_with_s3s_message() {
    let statement = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#;
    let many = vec![statement; 250].join(",");
    assert!(document(&many).len() > MAX_POLICY_BYTES);
    assert_eq!(
        statement_error(&many),
        "Normalized policy document exceeds the maximum allowed size of 20480 bytes"
    );
    // Whitespace does not count: a padded document under the limit once normalized passes.
    let padded = format!(
        "{{\"Statement\":[{statement}]{}}}",
        " ".repeat(MAX_POLICY_BYTES)
    );
    assert!(Policy::parse(&padded, BUCKET).is_ok());
}

#[test]
fn accepted_documents() {
    let cases = [
        // No Version, a single statement object, an Id, a Sid.
        r#"{"Id":"P1","Statement":{"Sid":"S1","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}}"#,
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:s3:::example-bucket"}]}"#,
        // Wildcard actions and resources that can reach the bucket.
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::example-*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:List?ucket","Resource":"arn:aws:s3:::example-bucke?"}]}"#,
        // NotAction and NotResource skip the applicability check.
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket"}]}"#,
        r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","NotResource":"arn:aws:s3:::example-bucket/public/*"}]}"#,
        // Principal forms.
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:user/path/bob","arn:aws:iam::444455556666:role/r","arn:aws:sts::444455556666:assumed-role/r/s"],"CanonicalUser":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::example-bucket/logs/*"}]}"#,
        // Condition values of every JSON scalar type.
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-bucket","Condition":{"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"StringEquals":{"s3:ExistingObjectTag/Project":["x","y"]}}}]}"#,
        // Policy variable in the bucket part.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:username}/*"}]}"#,
    ];
    for json in cases {
        if let Err(e) = Policy::parse(json, BUCKET) {
            panic!("{json}: {e}");
        }
    }
    let p = Policy::parse(cases[0], BUCKET).unwrap();
    assert_eq!(p.id(), Some("P1"));
    assert_eq!(p.version(), None);
    assert_eq!(p.sids().collect::<Vec<_>>(), vec![Some("S1")]);
}

#[test]
fn known_actions() {
    for action in [
        "s3:GetObject",
        "s3:getobject",
        "S3:PutObject",
        "s3:ListBucket",
        "s3:ListAllMyBuckets",
        "s3:GetBucketPolicyStatus",
        "s3:PutBucketOwnershipControls",
        "s3:GetObjectAttributes",
        "s3:BypassGovernanceRetention",
        "s3:PutObjectAnnotation",
    ] {
        assert!(is_known_action(action), "{action}");
    }
    for action in [
        "s3:GetObjekt",
        "s3:*",
        "GetObject",
        "iam:GetUser",
        "s3:",
        "",
    ] {
        assert!(!is_known_action(action), "{action}");
    }
    assert!(actions::ACTIONS.len() >= 180);
}

// ---------- matching ----------

#[test]
fn action_wildcards_and_case() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":["s3:Get*","s3:List?ucket"],"Resource":["arn:aws:s3:::example-bucket","arn:aws:s3:::example-bucket/*"]}"#,
    );
    let none = ConditionContext::new();
    let cases = [
        ("s3:GetObject", OBJECT, PolicyEffect::Allow),
        ("S3:GETOBJECT", OBJECT, PolicyEffect::Allow),
        ("s3:GetObjectAcl", OBJECT, PolicyEffect::Allow),
        ("s3:ListBucket", BUCKET_ARN, PolicyEffect::Allow),
        ("s3:ListBucketVersions", BUCKET_ARN, PolicyEffect::NoMatch),
        ("s3:PutObject", OBJECT, PolicyEffect::NoMatch),
    ];
    for (action, resource, effect) in cases {
        assert_eq!(
            eval(&p, &alice(), action, resource, &none),
            effect,
            "{action}"
        );
    }
    let all = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::example-bucket/*"}"#,
    );
    assert_eq!(
        eval(&all, &alice(), "s3:DeleteObject", OBJECT, &none),
        PolicyEffect::Allow
    );
    let star = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:s3:::example-bucket/*"}"#,
    );
    assert_eq!(
        eval(&star, &alice(), "s3:DeleteObject", OBJECT, &none),
        PolicyEffect::Allow
    );
}

#[test]
fn resource_wildcards_are_case_sensitive() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/photos/*.jp?"}"#,
    );
    let none = ConditionContext::new();
    let cases = [
        ("arn:aws:s3:::example-bucket/photos/cat.jpg", true),
        ("arn:aws:s3:::example-bucket/photos/a/b/cat.jpe", true),
        ("arn:aws:s3:::example-bucket/photos/cat.jpeg", false),
        ("arn:aws:s3:::example-bucket/Photos/cat.jpg", false),
        ("arn:aws:s3:::example-bucket/photos/cat.JPG", false),
        ("arn:aws:s3:::example-bucket/photos/ü.jpü", true),
    ];
    for (resource, allowed) in cases {
        let effect = eval(&p, &alice(), "s3:GetObject", resource, &none);
        assert_eq!(effect == PolicyEffect::Allow, allowed, "{resource}");
    }
}

#[test]
fn not_action_and_not_resource_invert() {
    let p = policy(
        r#"{"Effect":"Deny","Principal":"*","NotAction":["s3:GetObject","s3:ListBucket"],"NotResource":"arn:aws:s3:::example-bucket/public/*"}"#,
    );
    let none = ConditionContext::new();
    let private = "arn:aws:s3:::example-bucket/private/x";
    let public = "arn:aws:s3:::example-bucket/public/x";
    assert_eq!(
        eval(&p, &alice(), "s3:PutObject", private, &none),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", private, &none),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &alice(), "s3:PutObject", public, &none),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &alice(), "s3:DeleteBucket", BUCKET_ARN, &none),
        PolicyEffect::Deny
    );
}

#[test]
fn principal_forms() {
    let none = ConditionContext::new();
    let cases: &[(&str, &[(Principal, bool)])] = &[
        (r#""*""#, &[(Principal::Anonymous, true), (alice(), true)]),
        (
            r#"{"AWS":"*"}"#,
            &[(Principal::Anonymous, true), (bob(), true)],
        ),
        (
            r#"{"AWS":"111122223333"}"#,
            &[
                (alice(), true),
                (bob(), false),
                (Principal::Anonymous, false),
            ],
        ),
        (
            r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
            &[(alice(), true), (bob(), false)],
        ),
        (
            r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
            &[(alice(), true), (bob(), false)],
        ),
        (
            r#"{"AWS":"arn:aws:iam::111122223333:user/team/alice"}"#,
            &[(alice(), true)],
        ),
        (
            r#"{"AWS":"arn:aws:iam::111122223333:user/carol"}"#,
            &[(alice(), false)],
        ),
        (
            r#"{"AWS":"arn:aws:iam::444455556666:user/alice"}"#,
            &[(alice(), false)],
        ),
        (
            r#"{"AWS":"arn:aws:iam::111122223333:role/admin"}"#,
            &[(alice(), false)],
        ),
        (
            r#"{"CanonicalUser":"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}"#,
            &[
                (bob(), true),
                (alice(), false),
                (Principal::Anonymous, false),
            ],
        ),
        (
            r#"{"Service":"cloudtrail.amazonaws.com"}"#,
            &[(alice(), false), (Principal::Anonymous, false)],
        ),
        (
            r#"{"AWS":["444455556666","arn:aws:iam::111122223333:root"]}"#,
            &[
                (alice(), true),
                (bob(), true),
                (Principal::Anonymous, false),
            ],
        ),
    ];
    for (principal, expectations) in cases {
        let p = policy(&format!(
            r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}}"#
        ));
        for (who, allowed) in expectations.iter() {
            let effect = eval(&p, who, "s3:GetObject", OBJECT, &none);
            assert_eq!(
                effect == PolicyEffect::Allow,
                *allowed,
                "{principal} for {who:?}"
            );
        }
    }
}

#[test]
fn not_principal_applies_to_everyone_else() {
    let p = policy(
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::example-bucket/*"},
           {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#,
    );
    let none = ConditionContext::new();
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", OBJECT, &none),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &bob(), "s3:GetObject", OBJECT, &none),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", OBJECT, &none),
        PolicyEffect::Deny
    );
}

#[test]
fn deny_wins_over_allow_in_any_order() {
    let allow = r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::example-bucket/*"}"#;
    let deny = r#"{"Effect":"Deny","Principal":{"AWS":"444455556666"},"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::example-bucket/*"}"#;
    let none = ConditionContext::new();
    for p in [
        policy(&format!("{allow},{deny}")),
        policy(&format!("{deny},{allow}")),
    ] {
        assert_eq!(
            eval(&p, &bob(), "s3:DeleteObject", OBJECT, &none),
            PolicyEffect::Deny
        );
        assert_eq!(
            eval(&p, &bob(), "s3:GetObject", OBJECT, &none),
            PolicyEffect::Allow
        );
        assert_eq!(
            eval(&p, &alice(), "s3:DeleteObject", OBJECT, &none),
            PolicyEffect::Allow
        );
        assert_eq!(
            eval(&p, &bob(), "s3:ListBucket", BUCKET_ARN, &none),
            PolicyEffect::NoMatch
        );
    }
}

#[test]
fn policy_variables_in_resources() {
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::example-bucket/home/${aws:username}/*"}"#,
    );
    let none = ConditionContext::new();
    let home = "arn:aws:s3:::example-bucket/home/alice/notes.txt";
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", home, &none),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &bob(), "s3:GetObject", home, &none),
        PolicyEffect::NoMatch
    );
    // Anonymous has no user name: the resource does not match.
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", home, &none),
        PolicyEffect::NoMatch
    );

    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/${aws:userid}/${*}${aws:username, 'guest'}"}"#,
    );
    let for_alice = "arn:aws:s3:::example-bucket/111122223333/*alice";
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", for_alice, &none),
        PolicyEffect::Allow
    );
    // `${*}` is a literal star, not a wildcard.
    let other = "arn:aws:s3:::example-bucket/111122223333/xalice";
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", other, &none),
        PolicyEffect::NoMatch
    );
    let guest = "arn:aws:s3:::example-bucket/anonymous/*guest";
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", guest, &none),
        PolicyEffect::Allow
    );

    // Version 2008-10-17 (or none): `${...}` is text.
    let json = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/${aws:username}"}]}"#;
    let old = Policy::parse(json, BUCKET).unwrap();
    let literal = "arn:aws:s3:::example-bucket/${aws:username}";
    assert_eq!(
        eval(&old, &alice(), "s3:GetObject", literal, &none),
        PolicyEffect::Allow
    );
    let named = "arn:aws:s3:::example-bucket/alice";
    assert_eq!(
        eval(&old, &alice(), "s3:GetObject", named, &none),
        PolicyEffect::NoMatch
    );
}

// ---------- condition operators ----------

/// (operator, key, policy values, request value or None for absent, expected)
type Case<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, bool);

fn run_cases(cases: &[Case]) {
    for (operator, key, values, request, expected) in cases {
        let p = conditional(operator, key, values);
        let ctx = match request {
            Some(value) => context(&[(key, value)]),
            None => ConditionContext::new(),
        };
        assert_eq!(
            holds(&p, &ctx),
            *expected,
            "{operator} {key} {values} against {request:?}"
        );
    }
}

#[test]
fn string_operators() {
    let k = "aws:UserAgent";
    run_cases(&[
        ("StringEquals", k, r#""curl""#, Some("curl"), true),
        ("StringEquals", k, r#""curl""#, Some("Curl"), false),
        ("StringEquals", k, r#"["wget","curl"]"#, Some("curl"), true),
        ("StringEquals", k, r#""curl""#, None, false),
        ("StringNotEquals", k, r#""curl""#, Some("wget"), true),
        ("StringNotEquals", k, r#""curl""#, Some("curl"), false),
        // Negated with several values: NOR.
        (
            "StringNotEquals",
            k,
            r#"["curl","wget"]"#,
            Some("wget"),
            false,
        ),
        (
            "StringNotEquals",
            k,
            r#"["curl","wget"]"#,
            Some("boto"),
            true,
        ),
        // Negated with the key absent: true.
        ("StringNotEquals", k, r#""curl""#, None, true),
        ("StringEqualsIgnoreCase", k, r#""CURL""#, Some("curl"), true),
        ("StringEqualsIgnoreCase", k, r#""ÄB""#, Some("äb"), true),
        (
            "StringEqualsIgnoreCase",
            k,
            r#""curl""#,
            Some("wget"),
            false,
        ),
        (
            "StringNotEqualsIgnoreCase",
            k,
            r#""CURL""#,
            Some("curl"),
            false,
        ),
        (
            "StringNotEqualsIgnoreCase",
            k,
            r#""CURL""#,
            Some("wget"),
            true,
        ),
        ("StringLike", k, r#""cu*""#, Some("curl/8.0"), true),
        ("StringLike", k, r#""c?rl""#, Some("curl"), true),
        ("StringLike", k, r#""c?rl""#, Some("cuurl"), false),
        ("StringLike", k, r#""Cu*""#, Some("curl"), false),
        ("StringLike", k, r#""cu*""#, None, false),
        ("StringNotLike", k, r#""cu*""#, Some("wget"), true),
        ("StringNotLike", k, r#"["cu*","wg*"]"#, Some("wget"), false),
        ("StringNotLike", k, r#""cu*""#, None, true),
        // Operator names are read without regard to case.
        ("stringequals", k, r#""curl""#, Some("curl"), true),
    ]);
}

#[test]
fn numeric_operators() {
    let k = "s3:max-keys";
    run_cases(&[
        ("NumericEquals", k, r#""10""#, Some("10"), true),
        ("NumericEquals", k, "10", Some("10.0"), true),
        ("NumericEquals", k, r#""10""#, Some("11"), false),
        ("NumericNotEquals", k, r#""10""#, Some("11"), true),
        ("NumericNotEquals", k, r#""10""#, Some("10"), false),
        ("NumericLessThan", k, r#""10""#, Some("9"), true),
        ("NumericLessThan", k, r#""10""#, Some("10"), false),
        ("NumericLessThanEquals", k, r#""10""#, Some("10"), true),
        ("NumericLessThanEquals", k, r#""10""#, Some("11"), false),
        ("NumericGreaterThan", k, r#""10""#, Some("11"), true),
        ("NumericGreaterThan", k, r#""10""#, Some("10"), false),
        ("NumericGreaterThanEquals", k, r#""10""#, Some("10"), true),
        ("NumericGreaterThanEquals", k, r#""10""#, Some("9.5"), false),
        ("NumericLessThan", k, r#""1.5""#, Some("1.25"), true),
        // A request value that is no number: false, negated or not.
        ("NumericEquals", k, r#""10""#, Some("ten"), false),
        ("NumericNotEquals", k, r#""10""#, Some("ten"), false),
        // A policy value that is no number never matches.
        ("NumericEquals", k, r#""ten""#, Some("10"), false),
        ("NumericEquals", k, r#""10""#, None, false),
        ("NumericNotEquals", k, r#""10""#, None, true),
    ]);
}

#[test]
fn date_operators() {
    let k = "aws:CurrentTime";
    let d = r#""2026-01-01T00:00:00Z""#;
    run_cases(&[
        ("DateEquals", k, d, Some("2026-01-01T00:00:00Z"), true),
        ("DateEquals", k, d, Some("2026-01-01"), true),
        ("DateEquals", k, d, Some("1767225600"), true),
        ("DateEquals", k, d, Some("2026-01-01T01:00:00+01:00"), true),
        ("DateEquals", k, d, Some("2026-01-01T00:00:01Z"), false),
        ("DateNotEquals", k, d, Some("2026-01-02T00:00:00Z"), true),
        ("DateNotEquals", k, d, Some("2026-01-01T00:00:00Z"), false),
        ("DateLessThan", k, d, Some("2025-12-31T23:59:59Z"), true),
        ("DateLessThan", k, d, Some("2026-01-01T00:00:00Z"), false),
        (
            "DateLessThanEquals",
            k,
            d,
            Some("2026-01-01T00:00:00Z"),
            true,
        ),
        (
            "DateLessThanEquals",
            k,
            d,
            Some("2026-01-01T00:00:00.001Z"),
            false,
        ),
        ("DateGreaterThan", k, d, Some("2026-06-01T12:30:00Z"), true),
        ("DateGreaterThan", k, d, Some("2025-06-01T12:30Z"), false),
        (
            "DateGreaterThanEquals",
            k,
            d,
            Some("2026-01-01T00:00:00Z"),
            true,
        ),
        ("DateGreaterThanEquals", k, d, Some("2025-12-31"), false),
        // Epoch seconds in the policy.
        (
            "DateLessThan",
            "aws:EpochTime",
            "1767225600",
            Some("1767225599"),
            true,
        ),
        (
            "DateLessThan",
            k,
            r#""2026-01-01""#,
            Some("2025-12-31T23:00:00Z"),
            true,
        ),
        ("DateEquals", k, d, Some("not a date"), false),
        ("DateEquals", k, d, None, false),
    ]);
    assert_eq!(condition::parse_date("1970-01-01T00:00:00Z"), Some(0.0));
    assert_eq!(condition::parse_date("2000-03-01"), Some(951_868_800.0));
    assert_eq!(condition::parse_date("2026-13-01"), None);
}

#[test]
fn bool_binary_and_null_operators() {
    let k = "aws:SecureTransport";
    run_cases(&[
        ("Bool", k, r#""true""#, Some("true"), true),
        ("Bool", k, "true", Some("TRUE"), true),
        ("Bool", k, r#""true""#, Some("false"), false),
        ("Bool", k, r#""false""#, Some("false"), true),
        ("Bool", k, r#""true""#, Some("yes"), false),
        ("Bool", k, r#""true""#, None, false),
        (
            "BinaryEquals",
            "aws:UserAgent",
            r#""QmluYXJ5""#,
            Some("Binary"),
            true,
        ),
        (
            "BinaryEquals",
            "aws:UserAgent",
            r#""QmluYXJ5""#,
            Some("binary"),
            false,
        ),
        (
            "Null",
            "s3:x-amz-server-side-encryption",
            r#""true""#,
            None,
            true,
        ),
        (
            "Null",
            "s3:x-amz-server-side-encryption",
            r#""true""#,
            Some("AES256"),
            false,
        ),
        (
            "Null",
            "s3:x-amz-server-side-encryption",
            "false",
            Some("AES256"),
            true,
        ),
        (
            "Null",
            "s3:x-amz-server-side-encryption",
            r#""false""#,
            None,
            false,
        ),
    ]);
}

#[test]
fn ip_address_operators() {
    let k = "aws:SourceIp";
    run_cases(&[
        (
            "IpAddress",
            k,
            r#""203.0.113.0/24""#,
            Some("203.0.113.7"),
            true,
        ),
        (
            "IpAddress",
            k,
            r#""203.0.113.0/24""#,
            Some("203.0.114.7"),
            false,
        ),
        (
            "IpAddress",
            k,
            r#""203.0.113.7""#,
            Some("203.0.113.7"),
            true,
        ),
        (
            "IpAddress",
            k,
            r#""203.0.113.7""#,
            Some("203.0.113.8"),
            false,
        ),
        ("IpAddress", k, r#""0.0.0.0/0""#, Some("198.51.100.1"), true),
        (
            "IpAddress",
            k,
            r#"["10.0.0.0/8","2001:DB8:1234:5678::/64"]"#,
            Some("2001:db8:1234:5678::1"),
            true,
        ),
        (
            "IpAddress",
            k,
            r#""2001:DB8:1234:5678::/64""#,
            Some("2001:db8:1234:5679::1"),
            false,
        ),
        // IPv4 against an IPv6 range never matches.
        ("IpAddress", k, r#""::/0""#, Some("203.0.113.7"), false),
        (
            "IpAddress",
            k,
            r#""203.0.113.0/24""#,
            Some("not-an-ip"),
            false,
        ),
        ("IpAddress", k, r#""203.0.113.0/24""#, None, false),
        (
            "NotIpAddress",
            k,
            r#""203.0.113.0/24""#,
            Some("198.51.100.1"),
            true,
        ),
        (
            "NotIpAddress",
            k,
            r#"["203.0.113.0/24","198.51.100.0/24"]"#,
            Some("198.51.100.1"),
            false,
        ),
        ("NotIpAddress", k, r#""203.0.113.0/24""#, None, true),
    ]);
}

#[test]
fn arn_operators() {
    let k = "aws:SourceArn";
    run_cases(&[
        ("ArnEquals", k, r#""arn:aws:sns:us-east-1:111122223333:topic""#, Some("arn:aws:sns:us-east-1:111122223333:topic"), true),
        ("ArnLike", k, r#""arn:aws:sns:*:111122223333:*""#, Some("arn:aws:sns:eu-west-1:111122223333:t"), true),
        ("ArnEquals", k, r#""arn:aws:sns:*:111122223333:*""#, Some("arn:aws:sns:eu-west-1:111122223333:t"), true),
        // The documented difference from StringLike: each component is matched on its own.
        ("ArnLike", k, r#""arn:aws:someservice:*:111122223333:finance/*""#,
            Some("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), false),
        ("StringLike", k, r#""arn:aws:someservice:*:111122223333:finance/*""#,
            Some("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), true),
        ("ArnLike", k, r#""arn:aws:sns:*:111122223333:*""#, Some("not-an-arn"), false),
        ("ArnNotEquals", k, r#""arn:aws:sns:*:111122223333:*""#, Some("arn:aws:sns:eu-west-1:444455556666:t"), true),
        ("ArnNotLike", k, r#""arn:aws:sns:*:111122223333:*""#, Some("arn:aws:sns:eu-west-1:111122223333:t"), false),
        ("ArnLike", k, r#""arn:aws:sns:*:111122223333:*""#, None, false),
        ("ArnNotLike", k, r#""arn:aws:sns:*:111122223333:*""#, None, true),
    ]);
}

#[test]
fn if_exists_operators() {
    let k = "s3:x-amz-server-side-encryption";
    run_cases(&[
        ("StringEqualsIfExists", k, r#""AES256""#, None, true),
        (
            "StringEqualsIfExists",
            k,
            r#""AES256""#,
            Some("AES256"),
            true,
        ),
        (
            "StringEqualsIfExists",
            k,
            r#""AES256""#,
            Some("aws:kms"),
            false,
        ),
        ("StringNotEqualsIfExists", k, r#""AES256""#, None, true),
        (
            "StringNotEqualsIfExists",
            k,
            r#""AES256""#,
            Some("AES256"),
            false,
        ),
        ("StringLikeIfExists", k, r#""aws:*""#, Some("aws:kms"), true),
        ("NumericLessThanIfExists", "s3:max-keys", "5", None, true),
        (
            "NumericLessThanIfExists",
            "s3:max-keys",
            "5",
            Some("7"),
            false,
        ),
        (
            "DateLessThanIfExists",
            "aws:CurrentTime",
            r#""2026-01-01""#,
            None,
            true,
        ),
        ("BoolIfExists", "aws:SecureTransport", "true", None, true),
        (
            "BoolIfExists",
            "aws:SecureTransport",
            "true",
            Some("false"),
            false,
        ),
        (
            "IpAddressIfExists",
            "aws:SourceIp",
            r#""10.0.0.0/8""#,
            None,
            true,
        ),
        (
            "IpAddressIfExists",
            "aws:SourceIp",
            r#""10.0.0.0/8""#,
            Some("11.0.0.1"),
            false,
        ),
        (
            "ArnLikeIfExists",
            "aws:SourceArn",
            r#""arn:aws:sns:*:*:*""#,
            None,
            true,
        ),
        (
            "BinaryEqualsIfExists",
            "aws:UserAgent",
            r#""QmluYXJ5""#,
            None,
            true,
        ),
    ]);
}

#[test]
fn set_qualifiers() {
    let k = "s3:RequestObjectTagKeys";
    let check = |operator: &str, values: &str, request: Option<&[&str]>, expected: bool| {
        let p = conditional(operator, k, values);
        let mut ctx = ConditionContext::new();
        if let Some(request) = request {
            ctx.set_many(k, request.iter().map(|s| s.to_string()).collect());
        }
        assert_eq!(
            holds(&p, &ctx),
            expected,
            "{operator} {values} against {request:?}"
        );
    };
    let allowed = r#"["Project","Owner"]"#;
    check(
        "ForAllValues:StringEquals",
        allowed,
        Some(&["Project"]),
        true,
    );
    check(
        "ForAllValues:StringEquals",
        allowed,
        Some(&["Project", "Owner"]),
        true,
    );
    check(
        "ForAllValues:StringEquals",
        allowed,
        Some(&["Project", "Cost"]),
        false,
    );
    check("ForAllValues:StringEquals", allowed, None, true);
    check("ForAllValues:StringEquals", allowed, Some(&[]), true);
    check(
        "ForAnyValue:StringEquals",
        allowed,
        Some(&["Cost", "Owner"]),
        true,
    );
    check("ForAnyValue:StringEquals", allowed, Some(&["Cost"]), false);
    check("ForAnyValue:StringEquals", allowed, None, false);
    check("ForAnyValue:StringEquals", allowed, Some(&[]), false);
    check(
        "ForAllValues:StringLike",
        r#""Pro*""#,
        Some(&["Project", "Proof"]),
        true,
    );
    check(
        "ForAllValues:StringLike",
        r#""Pro*""#,
        Some(&["Project", "Cost"]),
        false,
    );
    check(
        "ForAnyValue:StringNotEquals",
        allowed,
        Some(&["Project", "Cost"]),
        true,
    );
    check(
        "ForAnyValue:StringNotEquals",
        allowed,
        Some(&["Project"]),
        false,
    );
    check(
        "ForAllValues:StringNotEquals",
        allowed,
        Some(&["Cost", "Env"]),
        true,
    );
    check(
        "ForAllValues:StringNotEquals",
        allowed,
        Some(&["Cost", "Owner"]),
        false,
    );
    check(
        "ForAllValues:StringEqualsIfExists",
        allowed,
        Some(&["Cost"]),
        false,
    );
    check("ForAnyValue:StringEqualsIfExists", allowed, None, true);
    // Without a qualifier, several request values: any for positive, none for negated.
    check("StringEquals", allowed, Some(&["Cost", "Owner"]), true);
    check("StringNotEquals", allowed, Some(&["Cost", "Owner"]), false);
    check("StringNotEquals", allowed, Some(&["Cost", "Env"]), true);
}

#[test]
fn keys_and_operators_combine() {
    // Several keys in one operator: AND. Several operators: AND. Several values: OR.
    let p = policy(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*",
            "Condition":{"StringEquals":{"aws:UserAgent":["curl","wget"],"aws:Referer":"https://example.com/"},
                         "IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
    );
    let base = [
        ("aws:UserAgent", "wget"),
        ("aws:Referer", "https://example.com/"),
        ("aws:SourceIp", "203.0.113.9"),
    ];
    assert!(holds(&p, &context(&base)));
    for drop in 0..base.len() {
        let partial: Vec<_> = base
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, kv)| *kv)
            .collect();
        assert!(!holds(&p, &context(&partial)), "without {:?}", base[drop]);
    }
    let mut wrong_ip = context(&base);
    wrong_ip.set("aws:SourceIp", "198.51.100.1");
    assert!(!holds(&p, &wrong_ip));
}

#[test]
fn condition_keys_are_case_insensitive_but_tag_keys_are_not() {
    let p = conditional("StringEquals", "S3:ExistingObjectTag/Project", r#""Blue""#);
    assert!(holds(
        &p,
        &context(&[("s3:existingobjecttag/Project", "Blue")])
    ));
    assert!(!holds(
        &p,
        &context(&[("s3:ExistingObjectTag/project", "Blue")])
    ));
    let p = conditional("StringEquals", "AWS:SourceVpc", r#""vpc-1""#);
    assert!(holds(&p, &context(&[("aws:sourcevpc", "vpc-1")])));
    let mut ctx = ConditionContext::new();
    ctx.set("AWS:SecureTransport", "true");
    assert_eq!(
        ctx.get("aws:securetransport"),
        Some(&["true".to_string()][..])
    );
    assert_eq!(
        ctx.get("Aws:SecureTransport"),
        Some(&["true".to_string()][..])
    );
    assert_eq!(ctx.get("aws:username"), None);
}

#[test]
fn policy_variables_in_condition_values() {
    let p = conditional(
        "StringLike",
        "s3:prefix",
        r#"["","home/","home/${aws:username}/*"]"#,
    );
    let with = |prefix: &str, who: &Principal| {
        let ctx = context(&[("s3:prefix", prefix)]);
        eval(&p, who, "s3:GetObject", OBJECT, &ctx) == PolicyEffect::Allow
    };
    assert!(with("home/alice/docs", &alice()));
    assert!(with("home/", &bob()));
    assert!(with("", &Principal::Anonymous));
    assert!(!with("home/alice/docs", &bob()));
    assert!(!with("home/alice/docs", &Principal::Anonymous));
    // A variable from the context.
    let p = conditional(
        "StringEquals",
        "aws:Referer",
        r#""https://${aws:SourceVpc}/""#,
    );
    let ctx = context(&[
        ("aws:SourceVpc", "vpc-1"),
        ("aws:Referer", "https://vpc-1/"),
    ]);
    assert!(holds(&p, &ctx));
}

// ---------- is_public ----------

#[test]
fn public_policies() {
    let public = |statement: &str| policy(statement).is_public();
    let grant = |principal: &str, condition: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"{condition}}}"#
        )
    };
    let cases: &[(String, bool)] = &[
        (grant(r#""*""#, ""), true),
        (grant(r#"{"AWS":"*"}"#, ""), true),
        (grant(r#"{"Federated":"graph.facebook.com"}"#, ""), true),
        (grant(r#"{"AWS":"111122223333"}"#, ""), false),
        (grant(r#"{"AWS":["111122223333","arn:aws:iam::444455556666:user/bob"]}"#, ""), false),
        (grant(r#"{"CanonicalUser":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#, ""), false),
        (grant(r#"{"Service":"cloudtrail.amazonaws.com"}"#, ""), false),
        (grant(r#"{"AWS":["111122223333","*"]}"#, ""), true),
        // The page's examples: a wildcard VPC is public, a fixed one is not.
        (grant(r#""*""#, r#","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:SourceOwner":"111122223333"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:t"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"${aws:username}"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringLike":{"aws:userid":"*"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:111122223333:accesspoint/*"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}}"#), true),
        // Negated, IfExists and ForAllValues conditions confine nothing.
        (grant(r#""*""#, r#","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-1"}}"#), true),
        // Keys that do not fix anything.
        (grant(r#""*""#, r#","Condition":{"StringEquals":{"aws:UserAgent":"curl"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#), true),
        // Source IP: /8 and narrower (IPv4), /32 and narrower (IPv6) are not public.
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","8.0.0.0/7"]}}"#), true),
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#), false),
        (grant(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/31"}}"#), true),
        (grant(r#""*""#, r#","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), true),
        // One confining condition among others is enough.
        (grant(r#""*""#, r#","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), false),
        // A Deny to everyone grants nothing.
        (r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::example-bucket/*"}"#.to_string(), false),
        // NotPrincipal with Allow grants to everyone else.
        (r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}"#.to_string(), true),
    ];
    for (statement, expected) in cases {
        assert_eq!(public(statement), *expected, "{statement}");
    }
    // The page's mixed example: a service, an account, and the public make the policy public.
    let mixed = format!(
        "{},{},{}",
        grant(r#"{"Service":"cloudtrail.amazonaws.com"}"#, ""),
        grant(r#"{"AWS":"444455556666"}"#, ""),
        grant(r#""*""#, "")
    );
    assert!(public(&mixed));
    let without_public = format!(
        "{},{}",
        grant(r#"{"Service":"cloudtrail.amazonaws.com"}"#, ""),
        grant(r#"{"AWS":"444455556666"}"#, "")
    );
    assert!(!public(&without_public));
}

// ---------- AWS's bucket policy examples ----------

#[test]
fn example_public_read_on_a_prefix() {
    let p = policy(
        r#"{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],
            "Resource":["arn:aws:s3:::example-bucket/publicprefix/*"]}"#,
    );
    let none = ConditionContext::new();
    let public = "arn:aws:s3:::example-bucket/publicprefix/a.txt";
    let private = "arn:aws:s3:::example-bucket/private/a.txt";
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", public, &none),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", private, &none),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:PutObject", public, &none),
        PolicyEffect::NoMatch
    );
    assert!(p.is_public());
}

#[test]
fn example_deny_unless_secure_transport() {
    let p = policy(
        r#"{"Sid":"RestrictToTLSRequestsOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
            "Resource":["arn:aws:s3:::example-bucket","arn:aws:s3:::example-bucket/*"],
            "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
           {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*",
            "Resource":["arn:aws:s3:::example-bucket","arn:aws:s3:::example-bucket/*"]}"#,
    );
    let http = context(&[("aws:SecureTransport", "false")]);
    let https = context(&[("aws:SecureTransport", "true")]);
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", OBJECT, &http),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &alice(), "s3:ListBucket", BUCKET_ARN, &http),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &alice(), "s3:GetObject", OBJECT, &https),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &bob(), "s3:GetObject", OBJECT, &https),
        PolicyEffect::NoMatch
    );
    assert!(!p.is_public());
}

#[test]
fn example_ip_allow_list_with_not_ip_address_deny() {
    let p = policy(
        r#"{"Sid":"IPAllow","Effect":"Deny","Principal":"*","Action":"s3:*",
            "Resource":["arn:aws:s3:::example-bucket","arn:aws:s3:::example-bucket/*"],
            "Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]}}},
           {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*",
            "Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]}}}"#,
    );
    let inside = context(&[("aws:SourceIp", "192.0.2.10")]);
    let inside6 = context(&[("aws:SourceIp", "2001:db8:1234:5678::abcd")]);
    let outside = context(&[("aws:SourceIp", "198.51.100.1")]);
    let anon = Principal::Anonymous;
    assert_eq!(
        eval(&p, &anon, "s3:GetObject", OBJECT, &inside),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &anon, "s3:GetObject", OBJECT, &inside6),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &anon, "s3:GetObject", OBJECT, &outside),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &alice(), "s3:PutObject", OBJECT, &outside),
        PolicyEffect::Deny
    );
    assert_eq!(
        eval(&p, &alice(), "s3:PutObject", OBJECT, &inside),
        PolicyEffect::NoMatch
    );
    assert!(!p.is_public());
}

#[test]
fn example_cross_account_grant_by_account_id() {
    let p = policy(
        r#"{"Sid":"CrossAccount","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},
            "Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],
            "Resource":["arn:aws:s3:::example-bucket","arn:aws:s3:::example-bucket/*"]}"#,
    );
    let none = ConditionContext::new();
    assert_eq!(
        eval(&p, &bob(), "s3:PutObject", OBJECT, &none),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &alice(), "s3:ListBucket", BUCKET_ARN, &none),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &Principal::Anonymous, "s3:GetObject", OBJECT, &none),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &bob(), "s3:DeleteObject", OBJECT, &none),
        PolicyEffect::NoMatch
    );
    assert!(!p.is_public());
}

#[test]
fn example_require_bucket_owner_full_control_on_put() {
    let p = policy(
        r#"{"Sid":"AllowPut","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:PutObject",
            "Resource":"arn:aws:s3:::example-bucket/*",
            "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}"#,
    );
    let full = context(&[("s3:x-amz-acl", "bucket-owner-full-control")]);
    let private = context(&[("s3:x-amz-acl", "private")]);
    let none = ConditionContext::new();
    assert_eq!(
        eval(&p, &bob(), "s3:PutObject", OBJECT, &full),
        PolicyEffect::Allow
    );
    assert_eq!(
        eval(&p, &bob(), "s3:PutObject", OBJECT, &private),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &bob(), "s3:PutObject", OBJECT, &none),
        PolicyEffect::NoMatch
    );
    assert_eq!(
        eval(&p, &alice(), "s3:PutObject", OBJECT, &full),
        PolicyEffect::NoMatch
    );
}

#[test]
fn example_restrict_list_bucket_by_prefix() {
    let p = policy(
        r#"{"Sid":"ListProjects","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
            "Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-bucket",
            "Condition":{"StringLike":{"s3:prefix":["projects/*",""]}}},
           {"Sid":"DenyOthers","Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-bucket",
            "Condition":{"StringNotLike":{"s3:prefix":["projects/*",""]}}}"#,
    );
    let list = |prefix: &str, who: &Principal| {
        eval(
            &p,
            who,
            "s3:ListBucket",
            BUCKET_ARN,
            &context(&[("s3:prefix", prefix)]),
        )
    };
    assert_eq!(list("projects/a", &alice()), PolicyEffect::Allow);
    assert_eq!(list("", &alice()), PolicyEffect::Allow);
    assert_eq!(list("secrets/", &alice()), PolicyEffect::Deny);
    assert_eq!(list("projects/a", &bob()), PolicyEffect::NoMatch);
    assert_eq!(list("secrets/", &bob()), PolicyEffect::Deny);
}

// ---------- measurement ----------

/// A 20-statement policy with conditions, parsed once and evaluated 100,000 times.
/// Run: `cargo test --release --lib bench_twenty -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_twenty_statement_policy() {
    let mut statements = Vec::new();
    for i in 0..20 {
        statements.push(match i % 4 {
            0 => format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ALICE_ACCOUNT}:user/user{i}"}},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::example-bucket/team{i}/*","Condition":{{"StringEquals":{{"s3:x-amz-acl":"bucket-owner-full-control"}}}}}}"#
            ),
            1 => format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::example-bucket/public{i}/*","Condition":{{"IpAddress":{{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}},"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
            ),
            2 => format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"{BOB_ACCOUNT}"}},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-bucket","Condition":{{"StringLike":{{"s3:prefix":["home/${{aws:username}}/*","shared{i}/*"]}}}}}}"#
            ),
            _ => format!(
                r#"{{"Sid":"S{i}","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::example-bucket/locked{i}/*","Condition":{{"DateLessThan":{{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}}}"#
            ),
        });
    }
    let p = policy(&statements.join(","));
    let ctx = context(&[
        ("aws:SourceIp", "192.0.2.44"),
        ("aws:SecureTransport", "true"),
        ("aws:CurrentTime", "2026-05-01T12:00:00Z"),
        ("s3:x-amz-acl", "private"),
    ]);
    let principal = alice();
    let resource = "arn:aws:s3:::example-bucket/public17/photos/cat.jpg";
    let request = PolicyRequest {
        principal: &principal,
        action: "s3:GetObject",
        resource,
        context: &ctx,
    };
    assert_eq!(p.evaluate(&request), PolicyEffect::Allow);
    const ROUNDS: u32 = 100_000;
    let started = std::time::Instant::now();
    let mut allowed = 0u32;
    for _ in 0..ROUNDS {
        if std::hint::black_box(&p).evaluate(std::hint::black_box(&request)) == PolicyEffect::Allow
        {
            allowed += 1;
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(allowed, ROUNDS);
    println!(
        "bench_twenty_statement_policy: {:.0} ns/evaluation ({ROUNDS} evaluations in {elapsed:?})",
        elapsed.as_nanos() as f64 / f64::from(ROUNDS)
    );
    // The authorization step parses the stored document on each request that has one.
    let json = document(&statements.join(","));
    const PARSES: u32 = 10_000;
    let started = std::time::Instant::now();
    for _ in 0..PARSES {
        std::hint::black_box(Policy::parse(std::hint::black_box(&json), BUCKET).is_ok());
    }
    let elapsed = started.elapsed();
    println!(
        "bench_twenty_statement_policy: {:.0} ns/parse (validating, PutBucketPolicy) of {} bytes ({PARSES} parses in {elapsed:?})",
        elapsed.as_nanos() as f64 / f64::from(PARSES),
        json.len()
    );
    let started = std::time::Instant::now();
    for _ in 0..PARSES {
        std::hint::black_box(Policy::load(std::hint::black_box(&json), BUCKET).is_ok());
    }
    let elapsed = started.elapsed();
    println!(
        "bench_twenty_statement_policy: {:.0} ns/load (a stored policy, each request) ({PARSES} loads in {elapsed:?})",
        elapsed.as_nanos() as f64 / f64::from(PARSES)
    );
}
