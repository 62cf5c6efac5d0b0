//! What a client sees of the KV metadata store's eventual consistency, through the whole request
//! handler over `EventualStore`: Workers KV as production serves it, each location (data centre)
//! answering from its own cache for 60 s after it first read a name (a value, or "absent"), its
//! own writes visible in it at once, R2 (bytes and the listing index) strongly consistent.
//!
//! Each test writes a transcript (the second, the location, the request, what it answered),
//! printed with `cargo test --test kv_consistency_service -- --nocapture` and compared with the
//! expected one: the README's consistency section quotes these.

mod common;

use common::*;
use s3edge::ops::sweep::{self, SweepSettings};
use s3edge::store::eventual::{EventualStore, KV_CACHE_TTL_MILLIS};
use s3edge::store::memory::MemoryStore;

const BUCKET: &str = "photos";
const KEY: &str = "cat.jpg";

/// One deployment seen from several locations, and what each one answered when.
struct World {
    env: Env<EventualStore>,
    /// ETag (quoted), name and bytes of each version written.
    versions: Vec<(String, String, Vec<u8>)>,
    lines: Vec<String>,
}

impl World {
    /// Objects in blobs of their own, whose records name them: the transcripts show what a
    /// stale record does when its blob is gone.
    fn new() -> World {
        let mut world = World::keeping_small_objects_inline();
        world.env.config.inline_max = 0;
        world
    }

    /// Small objects kept in their records (the default `S3EDGE_INLINE_MAX`).
    fn keeping_small_objects_inline() -> World {
        let mut env = Env::with_store(EventualStore::new(MemoryStore::new()));
        env.config.inline_max = s3edge::context::DEFAULT_INLINE_MAX;
        World {
            env,
            versions: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Moves the clock to `second` s after the start (forward only) and the requests that
    /// follow to `location`.
    fn at(&mut self, second: i64, location: &str) -> &Env<EventualStore> {
        let now = NOW_UNIX * 1000 + second * 1000;
        assert!(now >= self.env.now_millis, "time runs forward");
        self.env.now_millis = now;
        self.env.store.central().now_millis.set(now);
        self.env.store.set_location(location);
        &self.env
    }

    fn log(&mut self, second: i64, location: &str, request: &str, outcome: &str) {
        self.lines.push(format!(
            "{second:>3} s  {location}  {request:<44} {outcome}"
        ));
    }

    /// The name of the version with this ETag.
    fn version(&self, etag: &str) -> String {
        self.versions
            .iter()
            .find(|(e, _, _)| e == etag)
            .map_or_else(|| etag.to_string(), |(_, name, _)| name.clone())
    }

    /// Sends one request in `location` at `second` and notes what it answered: the status,
    /// the error code, the version whose ETag came back (a GET's body is checked against it).
    fn send(
        &mut self,
        second: i64,
        location: &str,
        request: &str,
        send: impl FnOnce(&Env<EventualStore>) -> Resp,
    ) -> Resp {
        let resp = send(self.at(second, location));
        let mut outcome = resp.status.to_string();
        let version = resp
            .header("etag")
            .filter(|_| resp.status < 300)
            .and_then(|etag| self.versions.iter().find(|(e, _, _)| e == etag));
        if let Some(code) = resp.code() {
            outcome = format!("{outcome} {code}");
        } else if let Some((_, name, bytes)) = version {
            outcome = format!("{outcome} {name}");
            if request.starts_with("GET") {
                assert_eq!(resp.body, *bytes, "GET body is {name}'s");
            }
        }
        self.log(second, location, request, &outcome);
        resp
    }

    fn put(&mut self, second: i64, location: &str, name: &str, headers: &[(&str, &str)]) -> Resp {
        let body = format!("{name} of {KEY}").into_bytes();
        self.versions
            .push((quoted_md5(&body), name.to_string(), body.clone()));
        let mut request = format!("PUT /{BUCKET}/{KEY} ({name})");
        for (header, value) in headers {
            request = format!("{request} {header}: {value}");
        }
        self.send(second, location, &request, |env| {
            let mut req = env.req("PUT", &object_path(BUCKET, KEY)).body(body);
            for (header, value) in headers {
                req = req.header(header, value);
            }
            req.send()
        })
    }

    fn head(&mut self, second: i64, location: &str) -> Resp {
        let path = object_path(BUCKET, KEY);
        self.send(second, location, &format!("HEAD {path}"), |env| {
            env.req("HEAD", &path).send()
        })
    }

    fn get(&mut self, second: i64, location: &str) -> Resp {
        let path = object_path(BUCKET, KEY);
        self.send(second, location, &format!("GET {path}"), |env| {
            env.get(BUCKET, KEY)
        })
    }

    fn create_bucket(&mut self, second: i64, location: &str, user: Cred) -> Resp {
        let request = format!("{}PUT /{BUCKET} (CreateBucket)", name_of(user));
        self.send(second, location, &request, |env| {
            env.req("PUT", &format!("/{BUCKET}")).user(user).send()
        })
    }

    /// ListObjectsV2 of the bucket: the keys, each with its listed version.
    fn list(&mut self, second: i64, location: &str) -> Vec<(String, String)> {
        self.list_as(second, location, ALICE)
    }

    fn list_as(&mut self, second: i64, location: &str, user: Cred) -> Vec<(String, String)> {
        let resp = self
            .at(second, location)
            .req("GET", &format!("/{BUCKET}"))
            .query("list-type=2")
            .user(user)
            .send();
        assert_eq!(resp.status, 200, "{}", resp.text());
        let listed: Vec<(String, String)> = ListPage::parse(&resp.text())
            .contents
            .iter()
            .map(|c| (c.key.clone(), self.version(&c.etag)))
            .collect();
        let shown: Vec<String> = listed.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let request = format!("{}GET /{BUCKET}?list-type=2", name_of(user));
        self.log(
            second,
            location,
            &request,
            &format!("[{}]", shown.join(", ")),
        );
        listed
    }

    /// ListBuckets as `user`: the names.
    fn list_buckets(&mut self, second: i64, location: &str, user: Cred) -> Vec<String> {
        let resp = self.at(second, location).req("GET", "/").user(user).send();
        assert_eq!(resp.status, 200, "{}", resp.text());
        let names = xml_values(&resp.text(), "Name");
        let request = format!("{}GET / (ListBuckets)", name_of(user));
        self.log(
            second,
            location,
            &request,
            &format!("[{}]", names.join(", ")),
        );
        names
    }

    /// The cleanup pass with no grace period, run in `location`.
    fn sweep(&mut self, second: i64, location: &str) -> sweep::SweepReport {
        let report = self.at(second, location).sweep();
        let outcome = format!(
            "{} blob(s) removed, {} index entry(ies) repaired",
            report.blobs_removed, report.index_repaired
        );
        self.log(second, location, "cleanup pass (no grace period)", &outcome);
        report
    }

    /// Prints the transcript and compares it with `expected` (spacing aside).
    #[track_caller]
    fn check(&self, expected: &str) {
        let text = self.lines.join("\n");
        eprintln!("{text}");
        let words = |text: &str| -> Vec<String> {
            text.lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|line| !line.is_empty())
                .collect()
        };
        assert_eq!(words(&text), words(expected), "transcript:\n{text}");
    }
}

/// How a request is marked in a transcript: Bob's as his, Alice's unmarked.
fn name_of(user: Cred) -> &'static str {
    if user == BOB {
        "bob: "
    } else {
        ""
    }
}

/// The cache lasts KV's default cacheTtl: the seconds in the transcripts follow from it.
#[test]
fn the_model_is_kvs_default_cache_ttl() {
    assert_eq!(KV_CACHE_TTL_MILLIS, 60_000);
}

#[test]
fn a_head_before_an_upload_is_answered_404_until_the_negative_lookup_expires() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    // rclone, s3fs and sync tools look before they upload.
    assert_eq!(w.head(0, "B").status, 404);
    assert_eq!(w.put(1, "A", "v1", &[]).status, 200);
    assert_eq!(w.head(1, "A").status, 200);
    assert_eq!(w.get(1, "C").status, 200);
    assert_eq!(w.head(2, "B").status, 404);
    w.get(2, "B").assert_error(404, "NoSuchKey");
    assert_eq!(w.list(2, "B"), [(KEY.to_string(), "v1".to_string())]);
    assert_eq!(w.head(59, "B").status, 404);
    assert_eq!(w.get(60, "B").status, 200);
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  B  HEAD /photos/cat.jpg                      404
           1 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           1 s  A  HEAD /photos/cat.jpg                      200 v1
           1 s  C  GET /photos/cat.jpg                       200 v1
           2 s  B  HEAD /photos/cat.jpg                      404
           2 s  B  GET /photos/cat.jpg                       404 NoSuchKey
           2 s  B  GET /photos?list-type=2                   [cat.jpg v1]
          59 s  B  HEAD /photos/cat.jpg                      404
          60 s  B  GET /photos/cat.jpg                       200 v1",
    );
}

#[test]
fn an_overwrite_reaches_a_location_that_read_the_old_version_when_its_cache_expires() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert_eq!(w.put(0, "A", "v1", &[]).status, 200);
    assert_eq!(w.get(0, "B").status, 200);
    assert_eq!(w.put(10, "A", "v2", &[]).status, 200);
    assert_eq!(w.get(10, "A").status, 200);
    assert_eq!(w.get(10, "C").status, 200);
    let head = w.head(11, "B");
    assert_eq!(head.header("etag"), Some(w.versions[0].0.as_str()));
    // B still holds v1's record, whose blob the overwrite retired: the GET reads the record
    // again (B's cache answers v1 each time) and gives up.
    let get = w.get(11, "B");
    get.assert_error(500, "InternalError");
    assert!(get.text().contains("the object changed while it was read"));
    assert_eq!(w.list(11, "B"), [(KEY.to_string(), "v2".to_string())]);
    assert_eq!(w.head(59, "B").status, 200);
    assert_eq!(w.get(60, "B").status, 200);
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           0 s  B  GET /photos/cat.jpg                       200 v1
          10 s  A  PUT /photos/cat.jpg (v2)                  200 v2
          10 s  A  GET /photos/cat.jpg                       200 v2
          10 s  C  GET /photos/cat.jpg                       200 v2
          11 s  B  HEAD /photos/cat.jpg                      200 v1
          11 s  B  GET /photos/cat.jpg                       500 InternalError
          11 s  B  GET /photos?list-type=2                   [cat.jpg v2]
          59 s  B  HEAD /photos/cat.jpg                      200 v1
          60 s  B  GET /photos/cat.jpg                       200 v2",
    );
}

#[test]
fn a_location_that_read_a_small_object_serves_its_old_bytes_whole_until_its_cache_expires() {
    let mut w = World::keeping_small_objects_inline();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert_eq!(w.put(0, "A", "v1", &[]).status, 200);
    assert_eq!(w.get(0, "B").status, 200);
    assert_eq!(w.put(10, "A", "v2", &[]).status, 200);
    assert_eq!(w.get(10, "C").status, 200);
    // B's stale record holds v1's bytes: B answers v1, whole and consistent, not an error.
    assert_eq!(w.get(11, "B").status, 200);
    assert_eq!(w.get(59, "B").status, 200);
    assert_eq!(w.get(60, "B").status, 200);
    assert!(w.env.blobs().is_empty(), "{:?}", w.env.blobs());
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           0 s  B  GET /photos/cat.jpg                       200 v1
          10 s  A  PUT /photos/cat.jpg (v2)                  200 v2
          10 s  C  GET /photos/cat.jpg                       200 v2
          11 s  B  GET /photos/cat.jpg                       200 v1
          59 s  B  GET /photos/cat.jpg                       200 v1
          60 s  B  GET /photos/cat.jpg                       200 v2",
    );
}

#[test]
fn a_delete_reaches_a_location_that_read_the_object_when_its_cache_expires() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert_eq!(w.put(0, "A", "v1", &[]).status, 200);
    assert_eq!(w.get(0, "B").status, 200);
    let delete = w.send(5, "A", "DELETE /photos/cat.jpg", |env| {
        env.delete(BUCKET, KEY)
    });
    assert_eq!(delete.status, 204);
    w.get(5, "A").assert_error(404, "NoSuchKey");
    w.get(5, "C").assert_error(404, "NoSuchKey");
    assert_eq!(w.head(6, "B").status, 200);
    // The record B holds names a blob the DELETE removed.
    w.get(6, "B").assert_error(500, "InternalError");
    assert!(w.list(6, "B").is_empty());
    w.get(60, "B").assert_error(404, "NoSuchKey");
    assert!(w.env.blobs().is_empty());
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           0 s  B  GET /photos/cat.jpg                       200 v1
           5 s  A  DELETE /photos/cat.jpg                    204
           5 s  A  GET /photos/cat.jpg                       404 NoSuchKey
           5 s  C  GET /photos/cat.jpg                       404 NoSuchKey
           6 s  B  HEAD /photos/cat.jpg                      200 v1
           6 s  B  GET /photos/cat.jpg                       500 InternalError
           6 s  B  GET /photos?list-type=2                   []
          60 s  B  GET /photos/cat.jpg                       404 NoSuchKey",
    );
}

#[test]
fn a_bucket_created_in_one_location_is_unknown_where_it_was_looked_up_before() {
    let mut w = World::new();
    let head_bucket = |w: &mut World, second: i64, location: &str| {
        w.send(second, location, "HEAD /photos", |env| {
            env.req("HEAD", &format!("/{BUCKET}")).send()
        })
    };
    assert_eq!(head_bucket(&mut w, 0, "B").status, 404);
    assert!(w.list_buckets(0, "B", ALICE).is_empty());
    assert_eq!(w.create_bucket(1, "A", ALICE).status, 200);
    assert_eq!(w.put(1, "A", "v1", &[]).status, 200);
    assert_eq!(w.list_buckets(1, "A", ALICE), ["photos"]);
    w.get(2, "B").assert_error(404, "NoSuchBucket");
    w.put(2, "B", "v2", &[]).assert_error(404, "NoSuchBucket");
    assert!(w.list_buckets(2, "B", ALICE).is_empty());
    assert_eq!(head_bucket(&mut w, 2, "C").status, 200);
    assert_eq!(head_bucket(&mut w, 59, "B").status, 404);
    assert_eq!(head_bucket(&mut w, 60, "B").status, 200);
    assert_eq!(w.get(60, "B").status, 200);
    assert_eq!(w.list_buckets(60, "B", ALICE), ["photos"]);
    w.check(
        "  0 s  B  HEAD /photos                              404
           0 s  B  GET / (ListBuckets)                []
           1 s  A  PUT /photos (CreateBucket)         200
           1 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           1 s  A  GET / (ListBuckets)                [photos]
           2 s  B  GET /photos/cat.jpg                       404 NoSuchBucket
           2 s  B  PUT /photos/cat.jpg (v2)                  404 NoSuchBucket
           2 s  B  GET / (ListBuckets)                []
           2 s  C  HEAD /photos                              200
          59 s  B  HEAD /photos                              404
          60 s  B  HEAD /photos                              200
          60 s  B  GET /photos/cat.jpg                       200 v1
          60 s  B  GET / (ListBuckets)                [photos]",
    );
}

/// A location that read the bucket's record keeps accepting writes into it after it was
/// deleted elsewhere. Those objects outlive the bucket (the cleanup pass finds their records)
/// and are back in the bucket of whoever creates the name again.
#[test]
fn a_deleted_bucket_takes_writes_where_it_was_read_before() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert!(w.list(0, "B").is_empty());
    let deleted = w.send(1, "A", "DELETE /photos", |env| {
        env.req("DELETE", &format!("/{BUCKET}")).send()
    });
    assert_eq!(deleted.status, 204);
    assert_eq!(w.put(2, "B", "v1", &[]).status, 200);
    w.get(2, "C").assert_error(404, "NoSuchBucket");
    w.get(60, "B").assert_error(404, "NoSuchBucket");
    let report = w.sweep(60, "E");
    assert_eq!(report.blobs_removed, 0);
    assert_eq!(w.env.blobs().len(), 1);
    assert_eq!(w.create_bucket(61, "C", BOB).status, 200);
    assert_eq!(
        w.list_as(61, "C", BOB),
        [(KEY.to_string(), "v1".to_string())]
    );
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  B  GET /photos?list-type=2                   []
           1 s  A  DELETE /photos                     204
           2 s  B  PUT /photos/cat.jpg (v1)                  200 v1
           2 s  C  GET /photos/cat.jpg                       404 NoSuchBucket
          60 s  B  GET /photos/cat.jpg                       404 NoSuchBucket
          60 s  E  cleanup pass (no grace period)            0 blob(s) removed, 0 index entry(ies) repaired
          61 s  C  bob: PUT /photos (CreateBucket)           200
          61 s  C  bob: GET /photos?list-type=2              [cat.jpg v1]",
    );
}

/// `If-None-Match: *` is checked against the record this location reads, then the record is
/// written: both writers are told they created the object.
#[test]
fn conditional_puts_are_not_atomic() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert_eq!(w.head(0, "B").status, 404);
    let only_new = [("If-None-Match", "*")];
    assert_eq!(w.put(1, "A", "v1", &only_new).status, 200);
    w.put(2, "A", "v2", &only_new)
        .assert_error(412, "PreconditionFailed");
    w.put(2, "C", "v3", &only_new)
        .assert_error(412, "PreconditionFailed");
    assert_eq!(w.put(3, "B", "v4", &only_new).status, 200);
    // The last record written is the object; A still serves its own write until its cache ends
    // (v1's blob stays: B's PUT, seeing no object, had none to retire).
    assert_eq!(w.get(3, "D").status, 200);
    assert_eq!(w.get(3, "C").status, 200);
    assert_eq!(w.get(3, "A").status, 200);
    assert_eq!(w.list(3, "A"), [(KEY.to_string(), "v4".to_string())]);
    assert_eq!(w.get(61, "A").status, 200);
    assert_eq!(w.env.blobs().len(), 2);
    let report = w.sweep(61, "E");
    assert_eq!(
        report.blobs_removed, 1,
        "v1's blob is left to the cleanup pass"
    );
    assert_eq!(w.env.blobs().len(), 1);
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  B  HEAD /photos/cat.jpg                      404
           1 s  A  PUT /photos/cat.jpg (v1) If-None-Match: * 200 v1
           2 s  A  PUT /photos/cat.jpg (v2) If-None-Match: * 412 PreconditionFailed
           2 s  C  PUT /photos/cat.jpg (v3) If-None-Match: * 412 PreconditionFailed
           3 s  B  PUT /photos/cat.jpg (v4) If-None-Match: * 200 v4
           3 s  D  GET /photos/cat.jpg                       200 v4
           3 s  C  GET /photos/cat.jpg                       200 v1
           3 s  A  GET /photos/cat.jpg                       200 v1
           3 s  A  GET /photos?list-type=2                   [cat.jpg v4]
          61 s  A  GET /photos/cat.jpg                       200 v4
          61 s  E  cleanup pass (no grace period)            1 blob(s) removed, 0 index entry(ies) repaired",
    );
}

/// CreateBucket looks the name up, then writes the record: another account creating the name
/// where it is not known yet takes it.
#[test]
fn create_bucket_is_not_atomic() {
    let mut w = World::new();
    let head_bucket = |w: &mut World, second: i64, location: &str| {
        w.send(second, location, "bob: HEAD /photos", |env| {
            env.req("HEAD", &format!("/{BUCKET}")).user(BOB).send()
        })
    };
    assert_eq!(head_bucket(&mut w, 0, "B").status, 404);
    assert_eq!(w.create_bucket(1, "A", ALICE).status, 200);
    assert_eq!(w.put(1, "A", "v1", &[]).status, 200);
    assert_eq!(w.create_bucket(2, "B", BOB).status, 200);
    w.create_bucket(2, "C", ALICE)
        .assert_error(409, "BucketAlreadyExists");
    assert_eq!(w.list_buckets(2, "C", ALICE), ["photos"]);
    assert_eq!(w.list_buckets(2, "C", BOB), ["photos"]);
    // Alice's object now sits in Bob's bucket.
    assert_eq!(
        w.list_as(2, "C", BOB),
        [(KEY.to_string(), "v1".to_string())]
    );
    // The object is still Alice's (its ACL), the bucket Bob's.
    w.send(2, "C", "bob: GET /photos/cat.jpg", |env| {
        env.req("GET", &object_path(BUCKET, KEY)).user(BOB).send()
    })
    .assert_error(403, "AccessDenied");
    assert_eq!(w.get(61, "A").status, 200);
    w.put(61, "A", "v2", &[]).assert_error(403, "AccessDenied");
    w.check(
        "  0 s  B  bob: HEAD /photos                         404
           1 s  A  PUT /photos (CreateBucket)         200
           1 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           2 s  B  bob: PUT /photos (CreateBucket)           200
           2 s  C  PUT /photos (CreateBucket)         409 BucketAlreadyExists
           2 s  C  GET / (ListBuckets)                [photos]
           2 s  C  bob: GET / (ListBuckets)                  [photos]
           2 s  C  bob: GET /photos?list-type=2              [cat.jpg v1]
           2 s  C  bob: GET /photos/cat.jpg                  403 AccessDenied
          61 s  A  GET /photos/cat.jpg                       200 v1
          61 s  A  PUT /photos/cat.jpg (v2)                  403 AccessDenied",
    );
}

/// PutObjectTagging reads the record, changes its tags and writes it back. In a location still
/// holding the record of a version since overwritten, it writes that version back, whose blob
/// the overwrite retired: the object can no longer be read, and the cleanup pass then removes
/// the newer version's blob, which no record names. (ACL updates, appends and copies onto a
/// key read and write the record the same way.)
#[test]
fn tagging_a_stale_record_undoes_an_overwrite() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    assert_eq!(w.put(0, "A", "v1", &[]).status, 200);
    assert_eq!(w.get(0, "B").status, 200);
    assert_eq!(w.put(10, "A", "v2", &[]).status, 200);
    let tagging = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
    let tagged = w.send(11, "B", "PUT /photos/cat.jpg?tagging", |env| {
        env.req("PUT", &object_path(BUCKET, KEY))
            .query("tagging")
            .body(tagging.to_vec())
            .send()
    });
    assert_eq!(tagged.status, 200);
    let record = w.env.record(BUCKET, KEY).expect("a record");
    assert_eq!(
        format!("\"{}\"", record.etag),
        w.versions[0].0,
        "v1's record"
    );
    assert_eq!(record.tags.len(), 1);
    w.get(11, "C").assert_error(500, "InternalError");
    assert_eq!(w.get(11, "A").status, 200);
    assert_eq!(w.list(11, "A"), [(KEY.to_string(), "v2".to_string())]);
    w.get(70, "A").assert_error(500, "InternalError");
    let report = w.sweep(70, "E");
    assert_eq!((report.blobs_removed, report.index_repaired), (1, 1));
    assert!(w.env.blobs().is_empty(), "neither version's bytes are left");
    assert_eq!(w.list(70, "A"), [(KEY.to_string(), "v1".to_string())]);
    w.get(70, "A").assert_error(500, "InternalError");
    w.check(
        "  0 s  A  PUT /photos (CreateBucket)        200
           0 s  A  PUT /photos/cat.jpg (v1)                  200 v1
           0 s  B  GET /photos/cat.jpg                       200 v1
          10 s  A  PUT /photos/cat.jpg (v2)                  200 v2
          11 s  B  PUT /photos/cat.jpg?tagging               200
          11 s  C  GET /photos/cat.jpg                       500 InternalError
          11 s  A  GET /photos/cat.jpg                       200 v2
          11 s  A  GET /photos?list-type=2                   [cat.jpg v2]
          70 s  A  GET /photos/cat.jpg                       500 InternalError
          70 s  E  cleanup pass (no grace period)            1 blob(s) removed, 1 index entry(ies) repaired
          70 s  A  GET /photos?list-type=2                   [cat.jpg v1]
          70 s  A  GET /photos/cat.jpg                       500 InternalError",
    );
}

/// The cleanup pass decides a part blob is unused when no object record holds it and no part
/// record names it. A pass that read the object's record (absent) before the upload completed
/// elsewhere keeps that answer for 60 s; by the time it reaches the next part, Complete has
/// removed the part records, and the part is deleted from the completed object. Two runs of
/// one entry each stand for one run whose reads straddle the Complete.
#[test]
fn a_cleanup_pass_holding_a_negative_lookup_removes_parts_of_a_just_completed_upload() {
    let mut w = World::new();
    assert_eq!(w.create_bucket(0, "A", ALICE).status, 200);
    let path = object_path(BUCKET, KEY);
    let created = w.send(0, "A", "POST /photos/cat.jpg?uploads", |env| {
        env.req("POST", &path).query("uploads").send()
    });
    let upload = xml_values(&created.text(), "UploadId").remove(0);
    let parts = [vec![1u8; 5 * 1024 * 1024], b"tail".to_vec()];
    let mut listed = String::from("<CompleteMultipartUpload>");
    for (i, body) in parts.iter().enumerate() {
        let number = i + 1;
        let resp = w.send(
            0,
            "A",
            &format!("PUT /photos/cat.jpg?partNumber={number}"),
            |env| {
                env.req("PUT", &path)
                    .query(&format!("partNumber={number}&uploadId={upload}"))
                    .body(body.clone())
                    .send()
            },
        );
        assert_eq!(resp.status, 200);
        listed.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
            quoted_md5(body)
        ));
    }
    listed.push_str("</CompleteMultipartUpload>");
    // The production grace period: the parts were uploaded more than an hour ago.
    let settings = SweepSettings {
        grace_millis: 3_600_000,
        upload_expiry_millis: 7 * 24 * 3_600_000,
        batch: 1,
    };
    let sweep_one = |w: &mut World, second: i64| {
        let report = {
            let env = w.at(second, "S");
            futures_executor::block_on(sweep::sweep(&env.ctx(), settings)).expect("sweep runs")
        };
        let line = format!("removed {}", report.blobs_removed);
        w.log(second, "S", "cleanup pass, one entry", &line);
        report
    };
    assert_eq!(sweep_one(&mut w, 3601).blobs_removed, 0);
    let completed = w.send(3602, "A", "POST /photos/cat.jpg?uploadId", |env| {
        env.req("POST", &path)
            .query(&format!("uploadId={upload}"))
            .body(listed.into_bytes())
            .send()
    });
    assert_eq!(completed.status, 200);
    assert_eq!(sweep_one(&mut w, 3602).blobs_removed, 1);
    w.get(3603, "A").assert_error(500, "InternalError");
    assert_eq!(w.env.blobs().len(), 0);
    assert_eq!(
        w.env
            .stored()
            .iter()
            .filter(|n| n.starts_with("part/"))
            .count(),
        1,
        "one part of the object is gone"
    );
    w.check(
        "    0 s  A  PUT /photos (CreateBucket)      200
             0 s  A  POST /photos/cat.jpg?uploads            200
             0 s  A  PUT /photos/cat.jpg?partNumber=1        200
             0 s  A  PUT /photos/cat.jpg?partNumber=2        200
          3601 s  S  cleanup pass, one entry                 removed 0
          3602 s  A  POST /photos/cat.jpg?uploadId           200
          3602 s  S  cleanup pass, one entry                 removed 1
          3603 s  A  GET /photos/cat.jpg                     500 InternalError",
    );
}
