//! The `AccessControlPolicy` document: written for GetBucketAcl / GetObjectAcl, parsed from
//! PutBucketAcl / PutObjectAcl bodies. A small quick-xml reader and a string writer rather than
//! serde, for the `xsi:type` attribute on `Grantee`.
//!
//! Parsing: element names are matched by local name, in whatever namespace (clients send the
//! S3 namespace or none); `type` counts only in the XMLSchema-instance namespace, under
//! whichever prefix the document binds to it. The shape must be the schema's:
//! `AccessControlPolicy` holds `Owner` (required, with `ID`; S3 answers MalformedACLError
//! without it) and `AccessControlList` (absent means no grants); each `Grant` holds one
//! `Grantee` and one `Permission`; anything else, a DTD, text outside leaf elements or more
//! than [`MAX_GRANTS`] grants is MalformedACLError. Leaf values are trimmed of XML whitespace.
//! Grantees: `CanonicalUser` needs `ID` (an unknown one is InvalidArgument "Invalid id",
//! `ArgumentName` CanonicalUser/ID), `AmazonCustomerByEmail` needs `EmailAddress` (unknown:
//! UnresolvableGrantByEmailAddress), `Group` needs `URI` (unknown: InvalidArgument "Invalid
//! group uri", `ArgumentName` Group/URI). A `DisplayName` sent for a user is ignored: the
//! account's own is kept. Grants are kept as sent, duplicates included, as S3 does.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{AccountLookup, Acl, Grant, Grantee, Owner, Permission, MAX_GRANTS};
use crate::error::{escape, ErrorCode, S3Error};
use crate::xml::S3_XMLNS;

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Deeper than the schema's four levels below the root is never a valid policy.
const MAX_DEPTH: usize = 6;

pub(super) fn to_xml(acl: &Acl) -> String {
    let mut out = String::with_capacity(256 + acl.grants.len() * 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"");
    out.push_str(S3_XMLNS);
    out.push_str("\"><Owner>");
    push_user(&mut out, &acl.owner.id, &acl.owner.display_name);
    out.push_str("</Owner><AccessControlList>");
    for grant in &acl.grants {
        out.push_str("<Grant><Grantee xmlns:xsi=\"");
        out.push_str(XSI_NS);
        match &grant.grantee {
            Grantee::User { id, display_name } => {
                out.push_str("\" xsi:type=\"CanonicalUser\">");
                push_user(&mut out, id, display_name);
            }
            Grantee::Group(group) => {
                out.push_str("\" xsi:type=\"Group\"><URI>");
                out.push_str(&escape(group.uri()));
                out.push_str("</URI>");
            }
        }
        out.push_str("</Grantee><Permission>");
        out.push_str(grant.permission.as_str());
        out.push_str("</Permission></Grant>");
    }
    out.push_str("</AccessControlList></AccessControlPolicy>");
    out
}

fn push_user(out: &mut String, id: &str, display_name: &str) {
    out.push_str("<ID>");
    out.push_str(&escape(id));
    out.push_str("</ID>");
    if !display_name.is_empty() {
        out.push_str("<DisplayName>");
        out.push_str(&escape(display_name));
        out.push_str("</DisplayName>");
    }
}

fn malformed() -> S3Error {
    S3Error::new(ErrorCode::MalformedACLError)
}

/// One element of the body: its local name, its `xsi:type`, and its children or its text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    xsi_type: Option<String>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    /// The text of a leaf element, trimmed; MalformedACLError for a container.
    fn value(&self) -> Result<&str, S3Error> {
        if self.children.is_empty() {
            Ok(self
                .text
                .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
        } else {
            Err(malformed())
        }
    }
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The children of a container element, which holds no text but whitespace.
fn children(node: &Node) -> Result<&[Node], S3Error> {
    if is_blank(&node.text) {
        Ok(&node.children)
    } else {
        Err(malformed())
    }
}

/// The children of `node`, each name at most once and only those in `allowed`; the ones named
/// in `required` must be there.
fn fields<'n, const N: usize>(
    node: &'n Node,
    allowed: [&str; N],
    required: &[&str],
) -> Result<[Option<&'n Node>; N], S3Error> {
    let mut found = [None; N];
    for child in children(node)? {
        let slot = allowed
            .iter()
            .position(|name| *name == child.name)
            .ok_or_else(malformed)?;
        if found[slot].replace(child).is_some() {
            return Err(malformed());
        }
    }
    for name in required {
        let slot = allowed.iter().position(|n| n == name);
        if slot.is_none_or(|slot| found[slot].is_none()) {
            return Err(malformed());
        }
    }
    Ok(found)
}

pub(super) fn from_xml(body: &[u8], lookup: &dyn AccountLookup) -> Result<Acl, S3Error> {
    let root = parse_tree(body)?;
    if root.name != "AccessControlPolicy" {
        return Err(malformed());
    }
    let [owner, list] = fields(&root, ["Owner", "AccessControlList"], &["Owner"])?;
    let owner = owner.ok_or_else(malformed)?;
    let [id, name] = fields(owner, ["ID", "DisplayName"], &["ID"])?;
    let id = id.ok_or_else(malformed)?.value()?;
    if id.is_empty() {
        return Err(malformed());
    }
    let owner = match lookup.by_id(id) {
        Some(known) => known,
        None => Owner {
            id: id.to_string(),
            display_name: name.map(Node::value).transpose()?.unwrap_or("").to_string(),
        },
    };

    let mut grants = Vec::new();
    let list = match list {
        Some(list) => children(list)?,
        None => &[],
    };
    for grant in list {
        if grant.name != "Grant" || grants.len() == MAX_GRANTS {
            return Err(malformed());
        }
        let [grantee, permission] =
            fields(grant, ["Grantee", "Permission"], &["Grantee", "Permission"])?;
        let permission = permission.ok_or_else(malformed)?.value()?;
        let permission = Permission::parse(permission).ok_or_else(malformed)?;
        let grantee = parse_grantee(grantee.ok_or_else(malformed)?, lookup)?;
        grants.push(Grant {
            grantee,
            permission,
        });
    }
    Ok(Acl { owner, grants })
}

fn parse_grantee(node: &Node, lookup: &dyn AccountLookup) -> Result<Grantee, S3Error> {
    // A DisplayName is accepted (clients echo GetBucketAcl answers) and ignored.
    let [id, _, email, uri] = fields(node, ["ID", "DisplayName", "EmailAddress", "URI"], &[])?;
    let only = |wanted: Option<&Node>, others: [Option<&Node>; 2]| -> Result<String, S3Error> {
        match wanted {
            Some(node) if others.iter().all(Option::is_none) => Ok(node.value()?.to_string()),
            _ => Err(malformed()),
        }
    };
    match node.xsi_type.as_deref() {
        Some("CanonicalUser") => {
            let id = only(id, [email, uri])?;
            lookup.by_id(&id).map(|o| Grantee::user(&o)).ok_or_else(|| {
                S3Error::with_message(ErrorCode::InvalidArgument, "Invalid id")
                    .detail("ArgumentName", "CanonicalUser/ID")
                    .detail("ArgumentValue", id)
            })
        }
        Some("AmazonCustomerByEmail") => {
            let email = only(email, [id, uri])?;
            lookup
                .by_email(&email)
                .map(|o| Grantee::user(&o))
                .ok_or_else(|| S3Error::new(ErrorCode::UnresolvableGrantByEmailAddress))
        }
        Some("Group") => {
            let uri = only(uri, [id, email])?;
            super::Group::from_uri(&uri)
                .map(Grantee::Group)
                .ok_or_else(|| {
                    S3Error::with_message(ErrorCode::InvalidArgument, "Invalid group uri")
                        .detail("ArgumentName", "Group/URI")
                        .detail("ArgumentValue", uri)
                })
        }
        _ => Err(malformed()),
    }
}

/// Reads the whole body into a tree of [`Node`]s; MalformedACLError for anything that is not
/// one well-formed UTF-8 element (a BOM and the declaration allowed) without a DTD.
fn parse_tree(body: &[u8]) -> Result<Node, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|_| malformed())?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() || stack.len() == MAX_DEPTH {
                    return Err(malformed());
                }
                let mut node = Node {
                    name: std::str::from_utf8(start.local_name().as_ref())
                        .map_err(|_| malformed())?
                        .to_string(),
                    ..Node::default()
                };
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|_| malformed())?;
                    let (ns, local) = reader.resolve_attribute(attribute.key);
                    let is_xsi =
                        matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS.as_bytes());
                    if is_xsi && local.as_ref() == b"type" {
                        let value = attribute.unescape_value().map_err(|_| malformed())?;
                        node.xsi_type = Some(value.into_owned());
                    }
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(node);
                } else {
                    close(node, &mut stack, &mut root);
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(malformed)?;
                close(node, &mut stack, &mut root);
            }
            Event::Text(text) => {
                let text = text.unescape().map_err(|_| malformed())?;
                push_text(&text, &mut stack)?;
            }
            Event::CData(data) => {
                let data = std::str::from_utf8(data.as_ref()).map_err(|_| malformed())?;
                push_text(data, &mut stack)?;
            }
            Event::DocType(_) => return Err(malformed()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed());
    }
    root.ok_or_else(malformed)
}

fn close(node: Node, stack: &mut [Node], root: &mut Option<Node>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn push_text(text: &str, stack: &mut [Node]) -> Result<(), S3Error> {
    let blank = is_blank(text);
    match stack.last_mut() {
        Some(node) => {
            // Text between child elements may only be whitespace; a leaf collects its text.
            if !blank && !node.children.is_empty() {
                return Err(malformed());
            }
            node.text.push_str(text);
            Ok(())
        }
        None if blank => Ok(()),
        None => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Group;
    use super::*;

    const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const XSI: &str = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

    fn user(id: &str) -> Grantee {
        Grantee::user(&owner(id))
    }

    fn sample() -> Acl {
        Acl {
            owner: owner(ALICE),
            grants: vec![
                Grant {
                    grantee: user(ALICE),
                    permission: Permission::FullControl,
                },
                Grant {
                    grantee: Grantee::Group(Group::AllUsers),
                    permission: Permission::Read,
                },
                Grant {
                    grantee: Grantee::Group(Group::AuthenticatedUsers),
                    permission: Permission::Write,
                },
                Grant {
                    grantee: Grantee::Group(Group::LogDelivery),
                    permission: Permission::ReadAcp,
                },
                Grant {
                    grantee: user(BOB),
                    permission: Permission::WriteAcp,
                },
            ],
        }
    }

    fn code(body: &str) -> ErrorCode {
        Acl::from_xml(body.as_bytes(), &Users).unwrap_err().code
    }

    /// A policy owned by Alice with these grants.
    fn policy(grants: &str) -> String {
        format!(
            "<AccessControlPolicy><Owner><ID>{ALICE}</ID></Owner>\
             <AccessControlList>{grants}</AccessControlList></AccessControlPolicy>"
        )
    }

    #[test]
    fn writes_what_get_acl_answers() {
        let acl = Acl {
            owner: owner(ALICE),
            grants: vec![
                Grant {
                    grantee: user(ALICE),
                    permission: Permission::FullControl,
                },
                Grant {
                    grantee: Grantee::Group(Group::AllUsers),
                    permission: Permission::Read,
                },
            ],
        };
        assert_eq!(
            acl.to_xml(),
            format!(
                "{DECL}<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Owner><ID>{ALICE}</ID><DisplayName>alice</DisplayName></Owner><AccessControlList>\
                 <Grant><Grantee {XSI} xsi:type=\"CanonicalUser\"><ID>{ALICE}</ID>\
                 <DisplayName>alice</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>\
                 <Grant><Grantee {XSI} xsi:type=\"Group\">\
                 <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>\
                 <Permission>READ</Permission></Grant>\
                 </AccessControlList></AccessControlPolicy>"
            )
        );
        // No display name: no DisplayName element; text is escaped; no grants: an empty list.
        let acl = Acl {
            owner: Owner {
                id: "a<&>\"b".into(),
                display_name: String::new(),
            },
            grants: vec![],
        };
        assert_eq!(
            acl.to_xml(),
            format!(
                "{DECL}<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Owner><ID>a&lt;&amp;&gt;&quot;b</ID></Owner><AccessControlList></AccessControlList>\
                 </AccessControlPolicy>"
            )
        );
    }

    #[test]
    fn round_trips() {
        let acl = sample();
        assert_eq!(Acl::from_xml(acl.to_xml().as_bytes(), &Users).unwrap(), acl);
        let empty = Acl {
            owner: owner(BOB),
            grants: vec![],
        };
        assert_eq!(
            Acl::from_xml(empty.to_xml().as_bytes(), &Users).unwrap(),
            empty
        );
        for name in crate::authz::acl::CANNED_ACL_NAMES {
            let acl = Acl::canned(
                name,
                super::super::Target::Object,
                &owner(ALICE),
                &owner(BOB),
            )
            .unwrap();
            assert_eq!(
                Acl::from_xml(acl.to_xml().as_bytes(), &Users).unwrap(),
                acl,
                "{name}"
            );
        }
    }

    #[test]
    fn parses_a_boto3_body() {
        // What botocore serializes for put_bucket_acl(AccessControlPolicy=...): no declaration,
        // the S3 namespace on the root, xsi bound on each Grantee, indentation absent.
        let body = format!(
            "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><AccessControlList>\
             <Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">\
             <DisplayName>whatever</DisplayName><ID>{BOB}</ID></Grantee><Permission>READ</Permission></Grant>\
             <Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">\
             <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>WRITE</Permission></Grant>\
             <Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"AmazonCustomerByEmail\">\
             <EmailAddress>bob@example.com</EmailAddress></Grantee><Permission>READ_ACP</Permission></Grant>\
             </AccessControlList><Owner><DisplayName>x</DisplayName><ID>{ALICE}</ID></Owner></AccessControlPolicy>"
        );
        let acl = Acl::from_xml(body.as_bytes(), &Users).unwrap();
        assert_eq!(
            acl,
            Acl {
                owner: owner(ALICE),
                grants: vec![
                    Grant {
                        grantee: user(BOB),
                        permission: Permission::Read
                    },
                    Grant {
                        grantee: Grantee::Group(Group::AllUsers),
                        permission: Permission::Write
                    },
                    Grant {
                        grantee: user(BOB),
                        permission: Permission::ReadAcp
                    },
                ],
            }
        );
    }

    #[test]
    fn parses_other_spellings() {
        // Another prefix for the XMLSchema-instance namespace, bound on the root; a BOM, a
        // declaration, comments, whitespace, CDATA, entities, no namespace on elements; the
        // owner's display name kept when the account is unknown; duplicate grants kept.
        let body = format!(
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- c -->\n\
             <AccessControlPolicy xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\n  \
             <Owner>\n    <ID> unknown-owner </ID>\n    <DisplayName>Some &amp; one</DisplayName>\n  </Owner>\n  \
             <AccessControlList>\n    \
             <Grant>\n      <Permission>\nFULL_CONTROL\t</Permission>\n      \
             <Grantee i:type=\"CanonicalUser\"><ID><![CDATA[{CAROL}]]></ID></Grantee>\n    </Grant>\n    \
             <Grant><Grantee i:type=\"CanonicalUser\"><ID>{CAROL}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>\n  \
             </AccessControlList>\n</AccessControlPolicy>\n"
        );
        let acl = Acl::from_xml(body.as_bytes(), &Users).unwrap();
        let carol = Grant {
            grantee: user(CAROL),
            permission: Permission::FullControl,
        };
        assert_eq!(
            acl,
            Acl {
                owner: Owner {
                    id: "unknown-owner".into(),
                    display_name: "Some & one".into()
                },
                grants: vec![carol.clone(), carol],
            }
        );
        // An Owner alone is a policy with no grants.
        let acl = Acl::from_xml(
            format!("<AccessControlPolicy><Owner><ID>{BOB}</ID></Owner></AccessControlPolicy>")
                .as_bytes(),
            &Users,
        )
        .unwrap();
        assert_eq!(
            acl,
            Acl {
                owner: owner(BOB),
                grants: vec![]
            }
        );
        let acl = Acl::from_xml(policy("").as_bytes(), &Users).unwrap();
        assert!(acl.grants.is_empty());
        // Exactly the limit is fine.
        let grant = format!(
            "<Grant><Grantee {XSI} xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>\
             <Permission>READ</Permission></Grant>"
        );
        let acl = Acl::from_xml(policy(&grant.repeat(MAX_GRANTS)).as_bytes(), &Users).unwrap();
        assert_eq!(acl.grants.len(), MAX_GRANTS);
    }

    #[test]
    fn malformed_bodies() {
        let user_grant = |permission: &str| {
            format!(
                "<Grant><Grantee {XSI} xsi:type=\"CanonicalUser\"><ID>{BOB}</ID></Grantee>\
                 <Permission>{permission}</Permission></Grant>"
            )
        };
        let group = "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>";
        let grantee = |attrs: &str, inner: &str| {
            policy(&format!(
                "<Grant><Grantee {attrs}>{inner}</Grantee><Permission>READ</Permission></Grant>"
            ))
        };
        let bodies: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("blank", "  \n".into()),
            ("not xml", "hello".into()),
            ("unclosed", policy("").trim_end_matches("</AccessControlPolicy>").into()),
            ("mismatched", policy("<Grant></Grantee>")),
            ("other root", format!("<Policy><Owner><ID>{ALICE}</ID></Owner></Policy>")),
            ("two roots", format!("{}{}", policy(""), policy(""))),
            ("trailing text", format!("{}x", policy(""))),
            ("dtd", format!("<!DOCTYPE a [<!ENTITY e \"x\">]>{}", policy(""))),
            (
                "unknown entity",
                "<AccessControlPolicy><Owner><ID>&e;</ID></Owner></AccessControlPolicy>".into(),
            ),
            ("no owner", "<AccessControlPolicy><AccessControlList/></AccessControlPolicy>".into()),
            ("owner without id", "<AccessControlPolicy><Owner><DisplayName>a</DisplayName></Owner></AccessControlPolicy>".into()),
            ("empty owner id", "<AccessControlPolicy><Owner><ID> </ID></Owner></AccessControlPolicy>".into()),
            ("owner text", "<AccessControlPolicy><Owner>x</Owner></AccessControlPolicy>".into()),
            ("two owners", format!("<AccessControlPolicy><Owner><ID>{ALICE}</ID></Owner><Owner><ID>{ALICE}</ID></Owner></AccessControlPolicy>")),
            ("unknown element", format!("<AccessControlPolicy><Owner><ID>{ALICE}</ID></Owner><Extra/></AccessControlPolicy>")),
            ("text in list", policy("words")),
            ("text before grant", policy(&format!("x{}", user_grant("READ")))),
            ("not a grant", policy("<Grantee/>")),
            ("unknown permission", policy(&user_grant("READ_WRITE"))),
            ("lowercase permission", policy(&user_grant("read"))),
            ("empty permission", policy(&user_grant(""))),
            ("nested permission", policy(&user_grant("<X>READ</X>"))),
            ("missing grantee", policy("<Grant><Permission>READ</Permission></Grant>")),
            ("missing permission", policy(&format!("<Grant><Grantee {XSI} xsi:type=\"Group\">{group}</Grantee></Grant>"))),
            ("two permissions", policy(&format!("<Grant><Grantee {XSI} xsi:type=\"Group\">{group}</Grantee><Permission>READ</Permission><Permission>READ</Permission></Grant>"))),
            ("unknown xsi:type", grantee(&format!("{XSI} xsi:type=\"Everyone\""), group)),
            ("no xsi:type", grantee("", group)),
            ("type without namespace", grantee("type=\"Group\"", group)),
            ("type in another namespace", grantee("xmlns:x=\"urn:other\" x:type=\"Group\"", group)),
            ("unbound prefix", grantee("xsi:type=\"Group\"", group)),
            ("group without uri", grantee(&format!("{XSI} xsi:type=\"Group\""), "")),
            ("group with id", grantee(&format!("{XSI} xsi:type=\"Group\""), &format!("{group}<ID>{BOB}</ID>"))),
            ("user without id", grantee(&format!("{XSI} xsi:type=\"CanonicalUser\""), "<DisplayName>bob</DisplayName>")),
            ("user with uri", grantee(&format!("{XSI} xsi:type=\"CanonicalUser\""), &format!("<ID>{BOB}</ID>{group}"))),
            ("email without address", grantee(&format!("{XSI} xsi:type=\"AmazonCustomerByEmail\""), &format!("<ID>{BOB}</ID>"))),
            ("unknown grantee element", grantee(&format!("{XSI} xsi:type=\"Group\""), &format!("{group}<Name/>"))),
            ("too many grants", policy(&user_grant("READ").repeat(MAX_GRANTS + 1))),
        ];
        for (what, body) in bodies {
            assert_eq!(code(&body), ErrorCode::MalformedACLError, "{what}: {body}");
        }
        let bad_utf8 = b"<AccessControlPolicy><Owner><ID>\xff</ID></Owner></AccessControlPolicy>";
        assert_eq!(
            Acl::from_xml(bad_utf8, &Users).unwrap_err().code,
            ErrorCode::MalformedACLError
        );
    }

    #[test]
    fn unresolvable_grantees() {
        let grantee = |kind: &str, inner: &str| {
            policy(&format!(
                "<Grant><Grantee {XSI} xsi:type=\"{kind}\">{inner}</Grantee><Permission>READ</Permission></Grant>"
            ))
        };
        let err = Acl::from_xml(grantee("CanonicalUser", "<ID>0123</ID>").as_bytes(), &Users)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.message, "Invalid id");
        assert_eq!(
            err.details,
            vec![
                ("ArgumentName", "CanonicalUser/ID".to_string()),
                ("ArgumentValue", "0123".to_string())
            ]
        );

        let err = Acl::from_xml(
            grantee(
                "Group",
                "<URI>http://acs.amazonaws.com/groups/global/Authenticated</URI>",
            )
            .as_bytes(),
            &Users,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.message, "Invalid group uri");
        assert_eq!(
            err.details,
            vec![
                ("ArgumentName", "Group/URI".to_string()),
                (
                    "ArgumentValue",
                    "http://acs.amazonaws.com/groups/global/Authenticated".to_string()
                )
            ]
        );

        assert_eq!(
            code(&grantee(
                "AmazonCustomerByEmail",
                "<EmailAddress>nobody@example.com</EmailAddress>"
            )),
            ErrorCode::UnresolvableGrantByEmailAddress
        );
    }

    #[test]
    fn depth_is_limited() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse_tree(nested(MAX_DEPTH).as_bytes()).is_ok());
        assert_eq!(
            parse_tree(nested(MAX_DEPTH + 1).as_bytes())
                .unwrap_err()
                .code,
            ErrorCode::MalformedACLError
        );
        // Self-closing elements count too.
        let empty_leaf = format!(
            "{}<a/>{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(parse_tree(empty_leaf.as_bytes()).is_err());
    }
}
