//! An authorization matrix over the real service (`service::handle` over `MemoryStore`): for
//! every grant state × principal × operation, a fresh deployment where Alice creates bucket `bkt` (S3 names have 3 characters at least)
//! and puts object `o`, then applies the state; the operation is sent as the principal and its
//! answer compared with `expected`, an oracle written from S3's documented semantics (never by
//! asking the implementation):
//!
//! - "How Amazon S3 authorizes a request" (how-s3-evaluates-access-control.html): an explicit
//!   Deny in the bucket policy wins, for the bucket owner too, except that the bucket owner's
//!   account may always Get/Put/DeleteBucketPolicy; the owner's account may act on its bucket
//!   and on the objects it owns; anyone else needs an Allow from the bucket policy or an ACL.
//! - "Access control list (ACL) overview" (acl-overview.html), "Mapping of ACL permissions and
//!   access policy permissions": which ACL permission, on the bucket or on the object, grants
//!   which action; FULL_CONTROL grants them all; AllUsers includes anonymous requests,
//!   AuthenticatedUsers any signed request.
//! - "Blocking public access" (access-control-block-public-access.html): IgnorePublicAcls makes
//!   grants to AllUsers / AuthenticatedUsers count for nothing; RestrictPublicBuckets lets a
//!   public policy grant only the bucket owner's account.
//! - "Controlling ownership of objects" (about-object-ownership.html): with BucketOwnerEnforced
//!   ACLs are disabled (they grant nothing), only policies do; ACL writes other than "bucket
//!   owner full control" fail with 400 AccessControlListNotSupported (not an authorization
//!   answer); the `private` ACL used here is exactly that (full control to the bucket owner, who
//!   owns `o`), so it succeeds.
//!
//! A case is allowed ⇔ the answer is not 403 AccessDenied; allowed cases must also answer the
//! operation's plain success status. Disagreements between the implementation and the oracle
//! are listed in `KNOWN_DISAGREEMENTS`; the test asserts that the mismatches are exactly that
//! list (so it fails if either side changes).

mod common;

use common::*;
use s3edge::auth::credentials::{default_account_id, default_canonical_id};
use std::collections::BTreeSet;
use std::fmt;

// ------------------------------------------------------------------------------- the axes

/// The grant states, applied by Alice after `bkt` and `o` exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    /// 1. Nothing granted: bucket and object private.
    Private,
    /// 2. Bucket ACL `public-read` (AllUsers READ on the bucket).
    BucketPublicRead,
    /// 3. Bucket ACL `public-read-write` (AllUsers READ and WRITE on the bucket).
    BucketPublicReadWrite,
    /// 4. Bucket ACL `authenticated-read` (AuthenticatedUsers READ on the bucket).
    BucketAuthenticatedRead,
    /// 5. Bucket ACL from `x-amz-grant-write` and `x-amz-grant-read-acp` to Bob.
    BucketGrantsToBob,
    /// 6. Object ACL `public-read` on `o` (re-put with `x-amz-acl`).
    ObjectPublicRead,
    /// 7. Object ACL on `o` from `x-amz-grant-full-control` to Bob (PutObjectAcl).
    ObjectFullControlToBob,
    /// 8. Policy: Allow `"*"` `s3:GetObject` on `bkt/*`.
    PolicyPublicGetObject,
    /// 9. Policy: Allow `{"AWS": "arn:aws:iam::<bob>:root"}` `s3:*` on `bkt` and `bkt/*`.
    PolicyBobEverything,
    /// 10. Policy: Deny `"*"` `s3:*` on `bkt/*`, and Allow `{"CanonicalUser": <bob>}`
    ///     `s3:GetObject` on `bkt/*`.
    PolicyDenyObjects,
    /// 11. Public access block IgnorePublicAcls, with bucket ACL `public-read-write` and object
    ///     ACL `public-read` on `o`.
    IgnorePublicAcls,
    /// 12. Public access block RestrictPublicBuckets, with the public policy of state 8.
    RestrictPublicBuckets,
    /// 13. Ownership BucketOwnerEnforced (set after `o` exists), and a policy Allow
    ///     `{"AWS": "<bob account id>"}` `s3:PutObject` on `bkt/*`.
    OwnerEnforcedBobPut,
}

const STATES: [State; 13] = [
    State::Private,
    State::BucketPublicRead,
    State::BucketPublicReadWrite,
    State::BucketAuthenticatedRead,
    State::BucketGrantsToBob,
    State::ObjectPublicRead,
    State::ObjectFullControlToBob,
    State::PolicyPublicGetObject,
    State::PolicyBobEverything,
    State::PolicyDenyObjects,
    State::IgnorePublicAcls,
    State::RestrictPublicBuckets,
    State::OwnerEnforcedBobPut,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// Alice: owns `bkt` and `o`.
    Owner,
    /// Bob: another account, signed.
    Bob,
    /// No signature at all.
    Anonymous,
}

const PRINCIPALS: [Who; 3] = [Who::Owner, Who::Bob, Who::Anonymous];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    ListObjectsV2,
    HeadBucket,
    GetBucketLocation,
    GetBucketAcl,
    PutBucketAcl,
    GetBucketPolicy,
    GetBucketVersioning,
    GetBucketTagging,
    ListMultipartUploads,
    GetObject,
    HeadObject,
    PutObjectNew,
    PutObjectOverwrite,
    DeleteObject,
    DeleteObjects,
    GetObjectAcl,
    PutObjectAcl,
    GetObjectTagging,
    PutObjectTagging,
    CopyObject,
    CreateMultipartUpload,
}

const OPS: [Op; 21] = [
    Op::ListObjectsV2,
    Op::HeadBucket,
    Op::GetBucketLocation,
    Op::GetBucketAcl,
    Op::PutBucketAcl,
    Op::GetBucketPolicy,
    Op::GetBucketVersioning,
    Op::GetBucketTagging,
    Op::ListMultipartUploads,
    Op::GetObject,
    Op::HeadObject,
    Op::PutObjectNew,
    Op::PutObjectOverwrite,
    Op::DeleteObject,
    Op::DeleteObjects,
    Op::GetObjectAcl,
    Op::PutObjectAcl,
    Op::GetObjectTagging,
    Op::PutObjectTagging,
    Op::CopyObject,
    Op::CreateMultipartUpload,
];

// ------------------------------------------------------------------------------ the oracle

/// ACL permissions (acl-overview.html "Permissions you can grant").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perm {
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}

/// Where an ACL permission is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    Bucket,
    Object,
}

/// ACL grantees (acl-overview.html "Who is a grantee").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grantee {
    AllUsers,
    AuthenticatedUsers,
    Bob,
}

impl Grantee {
    fn includes(self, who: Who) -> bool {
        match self {
            // "Anyone in the world": signed or not.
            Grantee::AllUsers => true,
            // "Any AWS account": signed requests only.
            Grantee::AuthenticatedUsers => who != Who::Anonymous,
            Grantee::Bob => who == Who::Bob,
        }
    }

    /// Grants to the two groups are public (access-control-block-public-access.html "The
    /// meaning of public": ACLs).
    fn is_public(self) -> bool {
        matches!(self, Grantee::AllUsers | Grantee::AuthenticatedUsers)
    }
}

/// The action S3 authorizes for each operation (API Reference, "Permissions" of each page),
/// and whether its resource is the object (`arn:aws:s3:::bkt/<key>`) or the bucket
/// (`arn:aws:s3:::bkt`).
fn action(op: Op) -> (&'static str, On) {
    use Op::*;
    match op {
        ListObjectsV2 | HeadBucket => ("s3:ListBucket", On::Bucket),
        GetBucketLocation => ("s3:GetBucketLocation", On::Bucket),
        GetBucketAcl => ("s3:GetBucketAcl", On::Bucket),
        PutBucketAcl => ("s3:PutBucketAcl", On::Bucket),
        GetBucketPolicy => ("s3:GetBucketPolicy", On::Bucket),
        GetBucketVersioning => ("s3:GetBucketVersioning", On::Bucket),
        GetBucketTagging => ("s3:GetBucketTagging", On::Bucket),
        ListMultipartUploads => ("s3:ListBucketMultipartUploads", On::Bucket),
        GetObject | HeadObject => ("s3:GetObject", On::Object),
        // CopyObject's destination; its source is checked as a GetObject (see `expected`).
        PutObjectNew | PutObjectOverwrite | CopyObject | CreateMultipartUpload => {
            ("s3:PutObject", On::Object)
        }
        // DeleteObjects: s3:DeleteObject for each key.
        DeleteObject | DeleteObjects => ("s3:DeleteObject", On::Object),
        GetObjectAcl => ("s3:GetObjectAcl", On::Object),
        PutObjectAcl => ("s3:PutObjectAcl", On::Object),
        GetObjectTagging => ("s3:GetObjectTagging", On::Object),
        PutObjectTagging => ("s3:PutObjectTagging", On::Object),
    }
}

/// acl-overview.html "Mapping of ACL permissions and access policy permissions": the ACL
/// permission (and whose ACL) that grants an action. Writing and deleting keys are the bucket's
/// WRITE, not anything on the object. Tagging, location, versioning, bucket tagging and
/// policies have no ACL: only the owner or a policy.
fn acl_permission(action: &str) -> Option<(On, Perm)> {
    Some(match action {
        "s3:ListBucket" | "s3:ListBucketVersions" | "s3:ListBucketMultipartUploads" => {
            (On::Bucket, Perm::Read)
        }
        "s3:PutObject" | "s3:DeleteObject" => (On::Bucket, Perm::Write),
        "s3:GetBucketAcl" => (On::Bucket, Perm::ReadAcp),
        "s3:PutBucketAcl" => (On::Bucket, Perm::WriteAcp),
        "s3:GetObject" => (On::Object, Perm::Read),
        "s3:GetObjectAcl" => (On::Object, Perm::ReadAcp),
        "s3:PutObjectAcl" => (On::Object, Perm::WriteAcp),
        _ => return None,
    })
}

/// The non-owner grants of each state's bucket ACL (the owner's own FULL_CONTROL left out: the
/// owner is decided by ownership).
fn bucket_acl(state: State) -> &'static [(Grantee, Perm)] {
    use State::*;
    match state {
        BucketPublicRead => &[(Grantee::AllUsers, Perm::Read)],
        BucketPublicReadWrite | IgnorePublicAcls => &[
            (Grantee::AllUsers, Perm::Read),
            (Grantee::AllUsers, Perm::Write),
        ],
        BucketAuthenticatedRead => &[(Grantee::AuthenticatedUsers, Perm::Read)],
        BucketGrantsToBob => &[(Grantee::Bob, Perm::Write), (Grantee::Bob, Perm::ReadAcp)],
        _ => &[],
    }
}

/// The non-owner grants of each state's ACL on `o`.
fn object_acl(state: State) -> &'static [(Grantee, Perm)] {
    use State::*;
    match state {
        ObjectPublicRead | IgnorePublicAcls => &[(Grantee::AllUsers, Perm::Read)],
        ObjectFullControlToBob => &[(Grantee::Bob, Perm::FullControl)],
        _ => &[],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// What each state's bucket policy says of (who, action, resource): None when no statement
/// matches, Deny when a Deny statement matches (it wins over any Allow), else Allow.
fn policy_effect(state: State, who: Who, action: &str, on: On) -> Option<Effect> {
    use State::*;
    let object = on == On::Object;
    match state {
        // "Principal": "*" matches everyone, anonymous included.
        PolicyPublicGetObject | RestrictPublicBuckets => {
            (object && action == "s3:GetObject").then_some(Effect::Allow)
        }
        PolicyBobEverything => (who == Who::Bob).then_some(Effect::Allow),
        PolicyDenyObjects if object => Some(Effect::Deny),
        PolicyDenyObjects => None,
        OwnerEnforcedBobPut => {
            (who == Who::Bob && object && action == "s3:PutObject").then_some(Effect::Allow)
        }
        _ => None,
    }
}

/// A "public" policy (access-control-block-public-access.html "The meaning of public"): one
/// granting a wildcard principal.
fn policy_is_public(state: State) -> bool {
    matches!(
        state,
        State::PolicyPublicGetObject | State::RestrictPublicBuckets
    )
}

/// Whether S3 allows `op` by `who` in `state`.
fn expected(state: State, who: Who, op: Op) -> bool {
    // CopyObject (API Reference "CopyObject", Permissions): s3:GetObject on the source (`bkt/o`)
    // and s3:PutObject on the destination (`bkt/copy`).
    if op == Op::CopyObject {
        return expected(state, who, Op::GetObject) && expected(state, who, Op::PutObjectNew);
    }
    let (action, on) = action(op);
    let effect = policy_effect(state, who, action, on);
    // Rule 1: an explicit Deny in the bucket policy wins, for the bucket owner as well, except
    // the owner's account's Get/Put/DeleteBucketPolicy (it can never lock itself out).
    if effect == Some(Effect::Deny) {
        return who == Who::Owner
            && matches!(
                action,
                "s3:GetBucketPolicy" | "s3:PutBucketPolicy" | "s3:DeleteBucketPolicy"
            );
    }
    // Rule 2: the bucket owner's account may do anything to its bucket and to the objects it
    // owns (`o` is Alice's; new keys are in her bucket).
    if who == Who::Owner {
        return true;
    }
    // Rule 3: an Allow in the bucket policy, except that with RestrictPublicBuckets a public
    // policy grants only the bucket owner's account.
    let restricted = state == State::RestrictPublicBuckets && policy_is_public(state);
    if effect == Some(Effect::Allow) && !restricted {
        return true;
    }
    // Rule 4: ACLs, unless disabled by BucketOwnerEnforced; IgnorePublicAcls ignores grants
    // to AllUsers and AuthenticatedUsers.
    if state == State::OwnerEnforcedBobPut {
        return false;
    }
    let Some((target, needed)) = acl_permission(action) else {
        return false;
    };
    let grants = match target {
        On::Bucket => bucket_acl(state),
        On::Object => object_acl(state),
    };
    let ignore_public = state == State::IgnorePublicAcls;
    grants.iter().any(|&(grantee, perm)| {
        grantee.includes(who)
            && !(ignore_public && grantee.is_public())
            && (perm == needed || perm == Perm::FullControl)
    })
}

/// What an allowed operation answers: its success status, and for the two reads of a
/// configuration that may not exist the error code that still means "allowed".
fn success(state: State, op: Op) -> (u16, Option<&'static str>) {
    use State::*;
    match op {
        Op::GetBucketPolicy => match state {
            PolicyPublicGetObject
            | PolicyBobEverything
            | PolicyDenyObjects
            | RestrictPublicBuckets
            | OwnerEnforcedBobPut => (200, None),
            _ => (404, Some("NoSuchBucketPolicy")),
        },
        Op::GetBucketTagging => (404, Some("NoSuchTagSet")),
        Op::DeleteObject => (204, None),
        _ => (200, None),
    }
}

/// Disagreements of the implementation with the oracle: (state, principal, operation). The
/// test asserts the mismatches are exactly these.
const KNOWN_DISAGREEMENTS: &[(State, Who, Op)] = &[];

// ------------------------------------------------------------------------------ the set-up

const BUCKET: &str = "bkt";

fn bob_canonical_id() -> String {
    default_canonical_id(BOB.access_key)
}

fn bob_account_id() -> String {
    default_account_id(BOB.access_key)
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn public_get_object_policy() -> String {
    policy(&[r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#.to_string()])
}

#[track_caller]
fn ok(resp: Resp, status: u16) {
    assert_eq!(resp.status, status, "set-up failed: {}", resp.text());
}

fn put_bucket_policy(env: &Env, json: &str) {
    ok(
        env.req("PUT", "/bkt")
            .query("policy")
            .header("content-type", "application/json")
            .body(json.as_bytes())
            .send(),
        204,
    );
}

fn put_bucket_acl(env: &Env, headers: &[(&str, &str)]) {
    let mut req = env.req("PUT", "/bkt").query("acl");
    for (name, value) in headers {
        req = req.header(name, value);
    }
    ok(req.send(), 200);
}

fn put_public_access_block(env: &Env, flag: &str) {
    let xml = format!(
        r#"<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><{flag}>true</{flag}></PublicAccessBlockConfiguration>"#
    );
    ok(
        env.req("PUT", "/bkt")
            .query("publicAccessBlock")
            .header("content-md5", &md5_b64(xml.as_bytes()))
            .body(xml.as_bytes())
            .send(),
        200,
    );
}

/// A fresh deployment: Alice's bucket `bkt` with her object `o` ("data"), then `state`.
fn setup(state: State) -> Env {
    use State::*;
    let env = Env::new();
    ok(env.create_bucket(BUCKET), 200);
    ok(env.put(BUCKET, "o", b"data"), 200);
    let bob_id = format!("id=\"{}\"", bob_canonical_id());
    match state {
        Private => {}
        BucketPublicRead => put_bucket_acl(&env, &[("x-amz-acl", "public-read")]),
        BucketPublicReadWrite => put_bucket_acl(&env, &[("x-amz-acl", "public-read-write")]),
        BucketAuthenticatedRead => put_bucket_acl(&env, &[("x-amz-acl", "authenticated-read")]),
        BucketGrantsToBob => put_bucket_acl(
            &env,
            &[("x-amz-grant-write", &bob_id), ("x-amz-grant-read-acp", &bob_id)],
        ),
        ObjectPublicRead => ok(
            env.req("PUT", "/bkt/o")
                .header("x-amz-acl", "public-read")
                .body(&b"data"[..])
                .send(),
            200,
        ),
        ObjectFullControlToBob => ok(
            env.req("PUT", "/bkt/o")
                .query("acl")
                .header("x-amz-grant-full-control", &bob_id)
                .send(),
            200,
        ),
        PolicyPublicGetObject => put_bucket_policy(&env, &public_get_object_policy()),
        PolicyBobEverything => put_bucket_policy(
            &env,
            &policy(&[format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]}}"#,
                bob_account_id()
            )]),
        ),
        PolicyDenyObjects => put_bucket_policy(
            &env,
            &policy(&[
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}"#
                    .to_string(),
                format!(
                    r#"{{"Effect":"Allow","Principal":{{"CanonicalUser":"{}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}}"#,
                    bob_canonical_id()
                ),
            ]),
        ),
        IgnorePublicAcls => {
            put_bucket_acl(&env, &[("x-amz-acl", "public-read-write")]);
            ok(
                env.req("PUT", "/bkt/o")
                    .query("acl")
                    .header("x-amz-acl", "public-read")
                    .send(),
                200,
            );
            put_public_access_block(&env, "IgnorePublicAcls");
        }
        RestrictPublicBuckets => {
            put_bucket_policy(&env, &public_get_object_policy());
            put_public_access_block(&env, "RestrictPublicBuckets");
        }
        OwnerEnforcedBobPut => {
            let xml = r#"<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>"#;
            ok(
                env.req("PUT", "/bkt")
                    .query("ownershipControls")
                    .header("content-md5", &md5_b64(xml.as_bytes()))
                    .body(xml.as_bytes())
                    .send(),
                200,
            );
            put_bucket_policy(
                &env,
                &policy(&[format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*"}}"#,
                    bob_account_id()
                )]),
            );
        }
    }
    env
}

// ----------------------------------------------------------------------------- the requests

const TAGGING: &str = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
const DELETE_O: &str = "<Delete><Object><Key>o</Key></Object></Delete>";

/// The one request of each operation (Alice's, until `as_principal`).
fn request(env: &Env, op: Op) -> Req<'_> {
    use Op::*;
    match op {
        ListObjectsV2 => env.req("GET", "/bkt").query("list-type=2"),
        HeadBucket => env.req("HEAD", "/bkt"),
        GetBucketLocation => env.req("GET", "/bkt").query("location"),
        GetBucketAcl => env.req("GET", "/bkt").query("acl"),
        PutBucketAcl => env
            .req("PUT", "/bkt")
            .query("acl")
            .header("x-amz-acl", "private"),
        GetBucketPolicy => env.req("GET", "/bkt").query("policy"),
        GetBucketVersioning => env.req("GET", "/bkt").query("versioning"),
        GetBucketTagging => env.req("GET", "/bkt").query("tagging"),
        ListMultipartUploads => env.req("GET", "/bkt").query("uploads"),
        GetObject => env.req("GET", "/bkt/o"),
        HeadObject => env.req("HEAD", "/bkt/o"),
        PutObjectNew => env.req("PUT", "/bkt/new").body(&b"new data"[..]),
        PutObjectOverwrite => env.req("PUT", "/bkt/o").body(&b"newer data"[..]),
        DeleteObject => env.req("DELETE", "/bkt/o"),
        DeleteObjects => env
            .req("POST", "/bkt")
            .query("delete")
            .header("content-md5", &md5_b64(DELETE_O.as_bytes()))
            .body(DELETE_O.as_bytes()),
        GetObjectAcl => env.req("GET", "/bkt/o").query("acl"),
        PutObjectAcl => env
            .req("PUT", "/bkt/o")
            .query("acl")
            .header("x-amz-acl", "private"),
        GetObjectTagging => env.req("GET", "/bkt/o").query("tagging"),
        PutObjectTagging => env
            .req("PUT", "/bkt/o")
            .query("tagging")
            .header("content-md5", &md5_b64(TAGGING.as_bytes()))
            .body(TAGGING.as_bytes()),
        CopyObject => env
            .req("PUT", "/bkt/copy")
            .header("x-amz-copy-source", "/bkt/o"),
        CreateMultipartUpload => env.req("POST", "/bkt/mp").query("uploads"),
    }
}

fn as_principal(req: Req<'_>, who: Who) -> Req<'_> {
    match who {
        Who::Owner => req.user(ALICE),
        Who::Bob => req.user(BOB),
        Who::Anonymous => req.anonymous(),
    }
}

// ------------------------------------------------------------------------------ the checks

/// A 403 AccessDenied as S3 answers it: error XML naming the request (a HEAD: no body).
fn is_access_denied(resp: &Resp, head: bool) -> bool {
    if resp.status != 403 || resp.header("x-amz-request-id") != Some(resp.request_id.as_str()) {
        return false;
    }
    if head {
        return resp.body.is_empty();
    }
    let text = resp.text();
    text.starts_with("<?xml")
        && resp.header("content-type") == Some("application/xml")
        && resp.code().as_deref() == Some("AccessDenied")
        && xml_values(&text, "RequestId") == vec![resp.request_id.clone()]
}

fn describe(resp: &Resp) -> String {
    match resp.code() {
        Some(code) => format!("{} {code}", resp.status),
        None => resp.status.to_string(),
    }
}

/// The per-key outcome of the DeleteObjects of `o`: Some(true) deleted, Some(false)
/// AccessDenied, None anything else.
fn delete_objects_outcome(resp: &Resp) -> Option<bool> {
    let text = resp.text();
    let deleted = xml_raw(&text, "Deleted");
    let errors = xml_raw(&text, "Error");
    match (deleted.as_slice(), errors.as_slice()) {
        ([d], []) if xml_values(d, "Key") == ["o"] => Some(true),
        ([], [e]) if xml_values(e, "Key") == ["o"] && xml_values(e, "Code") == ["AccessDenied"] => {
            Some(false)
        }
        _ => None,
    }
}

struct Mismatch {
    state: State,
    who: Who,
    op: Op,
    expected: String,
    got: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} / {:?} / {:?}: expected {}, got {}",
            self.state, self.who, self.op, self.expected, self.got
        )
    }
}

/// Runs one case; None when the answer (and what it did to the store) is what S3 gives.
fn run_case(state: State, who: Who, op: Op) -> Option<Mismatch> {
    let env = setup(state);
    let allowed = expected(state, who, op);
    let resp = as_principal(request(&env, op), who).send();
    let head = matches!(op, Op::HeadBucket | Op::HeadObject);
    let (status, code) = success(state, op);
    let expectation = if allowed {
        match code {
            Some(code) => format!("allowed ({status} {code})"),
            None if op == Op::DeleteObjects => "allowed (200 with <Deleted> o)".to_string(),
            None => format!("allowed ({status})"),
        }
    } else if op == Op::DeleteObjects {
        "denied (200 with <Error><Code>AccessDenied</Code> for o)".to_string()
    } else {
        "denied (403 AccessDenied)".to_string()
    };
    let mut got = None;
    if op == Op::DeleteObjects {
        match (resp.status, delete_objects_outcome(&resp)) {
            (200, Some(deleted)) if deleted == allowed => {}
            (200, Some(true)) => got = Some("200 with <Deleted> o".to_string()),
            (200, Some(false)) => got = Some("200 with <Error> AccessDenied for o".to_string()),
            _ => got = Some(format!("{}: {}", describe(&resp), resp.text())),
        }
    } else if allowed {
        let right = resp.status == status && (code.is_none() || resp.code().as_deref() == code);
        if !right {
            got = Some(describe(&resp));
        }
    } else if !is_access_denied(&resp, head) {
        got = Some(describe(&resp));
    }
    // What the operation did to the store: writes happen exactly when allowed.
    if got.is_none() {
        let written = |key: &str| env.record(BUCKET, key).is_some();
        let effect = match op {
            Op::PutObjectNew => Some(("bkt/new written", written("new"))),
            Op::CopyObject => Some(("bkt/copy written", written("copy"))),
            Op::DeleteObject | Op::DeleteObjects => Some(("bkt/o deleted", !written("o"))),
            _ => None,
        };
        if let Some((what, happened)) = effect {
            if happened != allowed {
                got = Some(format!("the right answer, but {what}: {happened}"));
            }
        }
    }
    got.map(|got| Mismatch {
        state,
        who,
        op,
        expected: expectation,
        got,
    })
}

#[test]
fn authorization_matrix() {
    let mut cases = 0;
    let mut allowed = 0;
    let mut mismatches = Vec::new();
    for state in STATES {
        for who in PRINCIPALS {
            for op in OPS {
                cases += 1;
                allowed += usize::from(expected(state, who, op));
                mismatches.extend(run_case(state, who, op));
            }
        }
    }
    println!(
        "authz matrix: {cases} cases ({} states × {} principals × {} operations), {allowed} allowed by the oracle, {} mismatches",
        STATES.len(),
        PRINCIPALS.len(),
        OPS.len(),
        mismatches.len()
    );
    assert!(cases >= 500);
    let known: BTreeSet<(State, Who, Op)> = KNOWN_DISAGREEMENTS.iter().copied().collect();
    let found: BTreeSet<(State, Who, Op)> =
        mismatches.iter().map(|m| (m.state, m.who, m.op)).collect();
    println!(
        "known disagreements with S3 ({} listed in KNOWN_DISAGREEMENTS):",
        known.len()
    );
    for m in mismatches
        .iter()
        .filter(|m| known.contains(&(m.state, m.who, m.op)))
    {
        println!("  {m}");
    }
    let unexpected: Vec<String> = mismatches
        .iter()
        .filter(|m| !known.contains(&(m.state, m.who, m.op)))
        .map(|m| m.to_string())
        .collect();
    let resolved: Vec<String> = known
        .difference(&found)
        .map(|case| format!("{case:?}"))
        .collect();
    assert!(
        unexpected.is_empty() && resolved.is_empty(),
        "{} new mismatches:\n  {}\n{} known disagreements no longer seen:\n  {}",
        unexpected.len(),
        unexpected.join("\n  "),
        resolved.len(),
        resolved.join("\n  ")
    );
}

/// The oracle itself, on a few cases read straight from the documentation (so that a slip in
/// the rules does not go unnoticed by agreeing with a slip in the implementation).
#[test]
fn oracle_spot_checks() {
    use Op::*;
    use State::*;
    use Who::*;
    // acl-overview: public-read on a bucket lets anyone list it, not read its objects.
    assert!(expected(BucketPublicRead, Anonymous, ListObjectsV2));
    assert!(!expected(BucketPublicRead, Anonymous, GetObject));
    // public-read-write: anyone may write and delete keys, even Alice's.
    assert!(expected(BucketPublicReadWrite, Anonymous, DeleteObject));
    assert!(expected(BucketPublicReadWrite, Bob, PutObjectOverwrite));
    // authenticated-read: signed users only.
    assert!(expected(BucketAuthenticatedRead, Bob, HeadBucket));
    assert!(!expected(BucketAuthenticatedRead, Anonymous, HeadBucket));
    // FULL_CONTROL on an object: its data and ACL, not the key (overwrite/delete: bucket WRITE)
    // and not its tags (no ACL maps to tagging).
    assert!(expected(ObjectFullControlToBob, Bob, PutObjectAcl));
    assert!(!expected(ObjectFullControlToBob, Bob, DeleteObject));
    assert!(!expected(ObjectFullControlToBob, Bob, GetObjectTagging));
    // A Deny on bkt/* stops the owner on objects, not on the bucket.
    assert!(!expected(PolicyDenyObjects, Owner, GetObject));
    assert!(!expected(PolicyDenyObjects, Bob, GetObject));
    assert!(expected(PolicyDenyObjects, Owner, ListObjectsV2));
    // Copy needs both sides.
    assert!(!expected(PolicyPublicGetObject, Bob, CopyObject));
    assert!(expected(PolicyBobEverything, Bob, CopyObject));
    // Public grants ignored / public policy restricted.
    assert!(!expected(IgnorePublicAcls, Anonymous, GetObject));
    assert!(!expected(RestrictPublicBuckets, Bob, GetObject));
    assert!(expected(RestrictPublicBuckets, Owner, GetObject));
    // Ownership enforced: the policy still grants Bob PutObject.
    assert!(expected(OwnerEnforcedBobPut, Bob, CreateMultipartUpload));
    assert!(!expected(OwnerEnforcedBobPut, Bob, DeleteObject));
    // Bucket configuration reads: the owner alone.
    for state in STATES {
        assert!(!expected(state, Anonymous, GetBucketVersioning));
        assert_eq!(
            expected(state, Bob, GetBucketVersioning),
            state == PolicyBobEverything
        );
    }
}

// --------------------------------------------------------------- cases the matrix can't express

/// A missing key: 404 NoSuchKey only to those who may list the bucket (GetObject's API page:
/// "If you have the s3:ListBucket permission … 404 … If you don't … 403").
#[test]
fn a_missing_key_is_revealed_only_to_those_who_may_list() {
    let env = setup(State::Private);
    env.get(BUCKET, "missing").assert_error(404, "NoSuchKey");

    let env = setup(State::PolicyPublicGetObject);
    env.req("GET", "/bkt/missing")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");
    env.req("GET", "/bkt/missing")
        .anonymous()
        .send()
        .assert_error(403, "AccessDenied");

    let env = setup(State::PolicyBobEverything);
    env.req("GET", "/bkt/missing")
        .user(BOB)
        .send()
        .assert_error(404, "NoSuchKey");

    // Public-read on the bucket grants ListBucket, but not GetObject: the key's absence is not
    // the first question.
    let env = setup(State::BucketPublicRead);
    env.req("GET", "/bkt/missing")
        .anonymous()
        .send()
        .assert_error(403, "AccessDenied");
}

#[test]
fn anonymous_list_buckets_is_denied() {
    let env = setup(State::BucketPublicReadWrite);
    env.req("GET", "/")
        .anonymous()
        .send()
        .assert_error(403, "AccessDenied");
    // Bob lists his own (no) buckets, not Alice's.
    let resp = env.req("GET", "/").user(BOB).send();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(
        xml_values(&resp.text(), "Name").is_empty(),
        "{}",
        resp.text()
    );
}

/// A wrong signature is an error, never an anonymous request (which public-read-write would
/// let write).
#[test]
fn a_bad_signature_never_falls_back_to_anonymous() {
    let env = setup(State::BucketPublicReadWrite);
    let req = env.req("PUT", "/bkt/bad").body(&b"evil"[..]);
    let signed = req.sign_with(BOB.access_key, "not-bobs-secret");
    env.handle(signed.head, b"evil".to_vec())
        .assert_error(403, "SignatureDoesNotMatch");
    assert!(env.record(BUCKET, "bad").is_none());
    env.get(BUCKET, "bad").assert_error(404, "NoSuchKey");
    // The same request unsigned is allowed (the bucket is public-read-write).
    let resp = env
        .req("PUT", "/bkt/bad")
        .body(&b"fine"[..])
        .anonymous()
        .send();
    assert_eq!(resp.status, 200, "{}", resp.text());
}

/// ObjectWriter (the default here): Bob's object in Alice's bucket is Bob's. Alice may delete
/// it (a bucket permission) but not read it or its ACL without a grant (acl-overview: "the
/// bucket owner … cannot read objects it does not own"); with BucketOwnerEnforced she owns it.
#[test]
fn an_object_written_by_another_account_belongs_to_it() {
    let env = setup(State::BucketPublicReadWrite);
    let resp = env
        .req("PUT", "/bkt/bobs")
        .user(BOB)
        .body(&b"bob's"[..])
        .send();
    assert_eq!(resp.status, 200, "{}", resp.text());
    let resp = env.req("GET", "/bkt/bobs").user(BOB).send();
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"bob's"[..]));
    env.get(BUCKET, "bobs").assert_error(403, "AccessDenied");
    env.req("GET", "/bkt/bobs")
        .query("acl")
        .send()
        .assert_error(403, "AccessDenied");
    // Bob grants the bucket owner full control with his write: now she may read it.
    let resp = env
        .req("PUT", "/bkt/shared")
        .user(BOB)
        .header("x-amz-acl", "bucket-owner-full-control")
        .body(&b"shared"[..])
        .send();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(env.get(BUCKET, "shared").status, 200);
    // Deleting a key is the bucket's WRITE: the owner has it.
    assert_eq!(env.delete(BUCKET, "bobs").status, 204);
    assert!(env.record(BUCKET, "bobs").is_none());
}

/// With BucketOwnerEnforced, ACL writes other than "bucket owner full control" are refused
/// with 400 AccessControlListNotSupported (an ACL answer, not an authorization one), and Bob's
/// writes belong to Alice.
#[test]
fn owner_enforced_refuses_acls_and_owns_every_object() {
    let env = setup(State::OwnerEnforcedBobPut);
    env.req("PUT", "/bkt/o")
        .query("acl")
        .header("x-amz-acl", "public-read")
        .send()
        .assert_error(400, "AccessControlListNotSupported");
    env.req("PUT", "/bkt/x")
        .header("x-amz-acl", "public-read")
        .body(&b"x"[..])
        .send()
        .assert_error(400, "AccessControlListNotSupported");
    let resp = env
        .req("PUT", "/bkt/bobs")
        .user(BOB)
        .header("x-amz-acl", "bucket-owner-full-control")
        .body(&b"bob's"[..])
        .send();
    assert_eq!(resp.status, 200, "{}", resp.text());
    let resp = env.get(BUCKET, "bobs");
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"bob's"[..]));
    // Bob's policy grants PutObject only: he may not read back what he wrote.
    env.req("GET", "/bkt/bobs")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");
}

/// A Deny of everything on the bucket and its objects: the owner keeps Get/Put/DeleteBucketPolicy
/// (how-s3-evaluates-access-control / the bucket policy lockout rule) and nothing else.
#[test]
fn the_owner_keeps_the_policy_actions_under_a_deny_of_everything() {
    let env = setup(State::Private);
    let deny_all = policy(&[r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]}"#.to_string()]);
    put_bucket_policy(&env, &deny_all);
    env.req("GET", "/bkt")
        .query("list-type=2")
        .send()
        .assert_error(403, "AccessDenied");
    env.get(BUCKET, "o").assert_error(403, "AccessDenied");
    let resp = env.req("GET", "/bkt").query("policy").send();
    assert_eq!(resp.status, 200, "{}", resp.text());
    // Put (replace) and delete the policy: both still the owner's.
    put_bucket_policy(&env, &deny_all);
    env.req("GET", "/bkt")
        .query("policy")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");
    assert_eq!(env.req("DELETE", "/bkt").query("policy").send().status, 204);
    assert_eq!(env.get(BUCKET, "o").status, 200);
}

/// RestrictPublicBuckets: "public and cross-account access within any public bucket policy,
/// including non-public delegation to specific accounts, is blocked".
#[test]
fn restrict_public_buckets_blocks_cross_account_statements_of_a_public_policy() {
    let env = setup(State::Private);
    let statements = [
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}"#.to_string(),
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*"}}"#,
            bob_account_id()
        ),
    ];
    put_bucket_policy(&env, &policy(&statements));
    let put = |key: &str| {
        env.req("PUT", &format!("/bkt/{key}"))
            .user(BOB)
            .body(&b"x"[..])
            .send()
    };
    assert_eq!(put("before").status, 200);
    put_public_access_block(&env, "RestrictPublicBuckets");
    put("after").assert_error(403, "AccessDenied");
    env.req("GET", "/bkt/o")
        .anonymous()
        .send()
        .assert_error(403, "AccessDenied");
    // The owner's account is unaffected.
    assert_eq!(env.get(BUCKET, "o").status, 200);
}

/// IgnorePublicAcls ignores AuthenticatedUsers grants too (they are public).
#[test]
fn ignore_public_acls_ignores_authenticated_users_grants() {
    let env = setup(State::BucketAuthenticatedRead);
    let list = || env.req("GET", "/bkt").query("list-type=2").user(BOB).send();
    assert_eq!(list().status, 200);
    put_public_access_block(&env, "IgnorePublicAcls");
    list().assert_error(403, "AccessDenied");
}

/// BlockPublicAcls refuses new public ACLs and BlockPublicPolicy new public policies, with 403
/// AccessDenied (access-control-block-public-access.html).
#[test]
fn block_public_acls_and_policy_refuse_public_grants() {
    let env = setup(State::Private);
    put_public_access_block(&env, "BlockPublicAcls");
    env.req("PUT", "/bkt")
        .query("acl")
        .header("x-amz-acl", "public-read")
        .send()
        .assert_error(403, "AccessDenied");
    env.req("PUT", "/bkt/p")
        .header("x-amz-acl", "public-read")
        .body(&b"p"[..])
        .send()
        .assert_error(403, "AccessDenied");
    assert!(env.record(BUCKET, "p").is_none());

    let env = setup(State::Private);
    put_public_access_block(&env, "BlockPublicPolicy");
    env.req("PUT", "/bkt")
        .query("policy")
        .body(public_get_object_policy().as_bytes())
        .send()
        .assert_error(403, "AccessDenied");
    env.req("GET", "/bkt/o")
        .anonymous()
        .send()
        .assert_error(403, "AccessDenied");
}

#[test]
fn expected_bucket_owner_guards_against_a_bucket_that_changed_hands() {
    let env = setup(State::Private);
    let alice = default_account_id(ALICE.access_key);
    let listed = env
        .req("GET", "/bkt")
        .query("list-type=2")
        .header("x-amz-expected-bucket-owner", &alice)
        .send();
    assert_eq!(listed.status, 200, "{}", listed.text());
    let other = env
        .req("GET", "/bkt/o")
        .header("x-amz-expected-bucket-owner", &bob_account_id())
        .send();
    other.assert_error(403, "AccessDenied");
}
