//! Stripe's wire format for parameters: `application/x-www-form-urlencoded` bodies and
//! query strings with bracket nesting (`options[document][allowed_types][]=passport`,
//! `…[0]=…`, `metadata[k]=v`). This module turns raw bytes into a tree of [`Node`]s and
//! knows nothing of any endpoint; `params` gives the tree meaning.

use crate::error::ApiError;
use std::collections::HashMap;

/// A decoded parameter: a string, a hash (keys in arrival order) or an array (`[]`).
/// Indexed arrays (`a[0]=x`) arrive as hashes with numeric keys; the validator reads them
/// as arrays where an array is expected, so `metadata[0]=x` stays a metadata key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Value(String),
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn malformed() -> ApiError {
    ApiError::invalid(
        "Invalid request (check your POST parameters): For assistance, contact support at \
         https://support.stripe.com/contact/.",
    )
}

fn from_hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one component (`+` is a space). Malformed escapes and invalid UTF-8 are
/// refused rather than guessed at.
fn decode_component(raw: &[u8]) -> Result<String, ApiError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(from_hex);
                let lo = raw.get(i + 2).copied().and_then(from_hex);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(malformed()),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| malformed())
}

/// Splits `a=1&b=2` into decoded pairs, in order. Empty pieces are skipped.
pub fn decode_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for piece in raw.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(eq) => (&piece[..eq], &piece[eq + 1..]),
            None => (piece, &b""[..]),
        };
        let key = decode_component(key)?;
        if key.is_empty() {
            continue;
        }
        if key.contains('\0') {
            return Err(malformed());
        }
        let value = decode_component(value)?;
        if value.contains('\0') {
            // No stored text may hold a NUL (PostgreSQL refuses it): refused here, on
            // every backend alike, naming the parameter.
            return Err(ApiError::invalid(format!(
                "Invalid string: the value of {key} contains a NUL character (%00), which is not allowed."
            ))
            .with_param(key));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Push,
}

/// `a[b][]` → [Key(a), Key(b), Push]. A key whose brackets do not pair up is taken
/// literally as one name (it will then be reported as an unknown parameter).
fn split_key(key: &str) -> Vec<Segment> {
    let Some(open) = key.find('[') else {
        return vec![Segment::Key(key.to_owned())];
    };
    if open == 0 {
        return vec![Segment::Key(key.to_owned())];
    }
    let mut segments = vec![Segment::Key(key[..open].to_owned())];
    let mut rest = &key[open..];
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return vec![Segment::Key(key.to_owned())];
        };
        let Some(close) = inner.find(']') else {
            return vec![Segment::Key(key.to_owned())];
        };
        let name = &inner[..close];
        if name.contains('[') {
            return vec![Segment::Key(key.to_owned())];
        }
        segments.push(if name.is_empty() {
            Segment::Push
        } else {
            Segment::Key(name.to_owned())
        });
        rest = &inner[close + 1..];
    }
    segments
}

fn path_of(segments: &[Segment]) -> String {
    let mut path = String::new();
    for (i, seg) in segments.iter().enumerate() {
        match seg {
            Segment::Key(k) if i == 0 => path.push_str(k),
            Segment::Key(k) => {
                path.push('[');
                path.push_str(k);
                path.push(']');
            }
            Segment::Push => path.push_str("[]"),
        }
    }
    path
}

fn conflict(segments: &[Segment], depth: usize) -> ApiError {
    let param = path_of(&segments[..=depth.min(segments.len() - 1)]);
    ApiError::invalid(format!(
        "Invalid request (check your POST parameters): the parameter {param} was sent both as a \
         value and as a hash or array."
    ))
    .with_param(param)
}

/// The tree while it is built: each hash also indexes its keys, so that inserting n
/// names costs O(n), not O(n²) (a body of a few hundred thousand distinct names must not
/// cost the server minutes of CPU).
enum Tree {
    Value(String),
    Map(Vec<(String, Tree)>, HashMap<String, usize>),
    List(Vec<Tree>),
}

impl Tree {
    fn into_node(self) -> Node {
        match self {
            Tree::Value(v) => Node::Value(v),
            Tree::Map(entries, _) => Node::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.into_node()))
                    .collect(),
            ),
            Tree::List(items) => Node::List(items.into_iter().map(Tree::into_node).collect()),
        }
    }
}

fn empty_like(next: &Segment) -> Tree {
    match next {
        Segment::Key(_) => Tree::Map(Vec::new(), HashMap::new()),
        Segment::Push => Tree::List(Vec::new()),
    }
}

fn insert(
    node: &mut Tree,
    segments: &[Segment],
    depth: usize,
    value: String,
) -> Result<(), ApiError> {
    let last = depth + 1 == segments.len();
    match (&segments[depth], node) {
        (Segment::Key(key), Tree::Map(entries, index)) => {
            let position = index.get(key.as_str()).copied();
            if last {
                match position {
                    Some(i) if matches!(entries[i].1, Tree::Value(_)) => {
                        entries[i].1 = Tree::Value(value)
                    }
                    Some(_) => return Err(conflict(segments, depth)),
                    None => {
                        index.insert(key.clone(), entries.len());
                        entries.push((key.clone(), Tree::Value(value)));
                    }
                }
                return Ok(());
            }
            let i = match position {
                Some(i) => i,
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push((key.clone(), empty_like(&segments[depth + 1])));
                    entries.len() - 1
                }
            };
            insert(&mut entries[i].1, segments, depth + 1, value)
        }
        (Segment::Push, Tree::List(items)) => {
            if last {
                items.push(Tree::Value(value));
                return Ok(());
            }
            items.push(empty_like(&segments[depth + 1]));
            let i = items.len() - 1;
            insert(&mut items[i], segments, depth + 1, value)
        }
        _ => Err(conflict(segments, depth.saturating_sub(1))),
    }
}

/// Deepest nesting accepted in a parameter name. No Stripe parameter is deeper than a few
/// levels; the cap keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 32;

/// Builds the parameter tree (a root hash) from decoded pairs.
pub fn build_tree(pairs: &[(String, String)]) -> Result<Node, ApiError> {
    let mut root = Tree::Map(Vec::new(), HashMap::new());
    for (key, value) in pairs {
        let segments = split_key(key);
        if segments.len() > MAX_DEPTH {
            let Segment::Key(name) = &segments[0] else {
                unreachable!("the first segment is always a name")
            };
            return Err(ApiError::invalid(format!(
                "Invalid request (check your POST parameters): the parameter {name} is nested \
                 more than {MAX_DEPTH} levels deep."
            ))
            .with_param(name.clone()));
        }
        insert(&mut root, &segments, 0, value.clone())?;
    }
    Ok(root.into_node())
}

/// Decodes raw form bytes straight into a tree.
pub fn parse(raw: &[u8]) -> Result<Node, ApiError> {
    build_tree(&decode_pairs(raw)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Node {
        Node::Value(s.into())
    }

    #[test]
    fn flat_pairs_are_decoded_with_plus_and_percent_escapes() {
        let tree = parse(b"a=hello+world&b=%C3%A9%26&c").unwrap();
        assert_eq!(tree.get("a"), Some(&v("hello world")));
        assert_eq!(tree.get("b"), Some(&v("é&")));
        assert_eq!(tree.get("c"), Some(&v("")));
    }

    #[test]
    fn brackets_nest_hashes_and_arrays() {
        let tree = parse(
            b"options[document][allowed_types][]=passport&options[document][allowed_types][]=id_card\
              &options[document][require_matching_selfie]=true&metadata[k]=v",
        )
        .unwrap();
        let doc = tree.get("options").unwrap().get("document").unwrap();
        assert_eq!(
            doc.get("allowed_types"),
            Some(&Node::List(vec![v("passport"), v("id_card")]))
        );
        assert_eq!(doc.get("require_matching_selfie"), Some(&v("true")));
        assert_eq!(tree.get("metadata").unwrap().get("k"), Some(&v("v")));
    }

    #[test]
    fn indexed_arrays_stay_hashes_with_numeric_keys() {
        let tree = parse(b"expand[0]=a&expand[1]=b").unwrap();
        assert_eq!(
            tree.get("expand"),
            Some(&Node::Map(vec![("0".into(), v("a")), ("1".into(), v("b"))]))
        );
    }

    #[test]
    fn a_later_scalar_replaces_an_earlier_one() {
        let tree = parse(b"a=1&a=2").unwrap();
        assert_eq!(tree.get("a"), Some(&v("2")));
    }

    #[test]
    fn a_value_and_a_hash_under_one_name_conflict() {
        let err = parse(b"a=1&a[b]=2").unwrap_err();
        assert_eq!(err.param.as_deref(), Some("a"));
        assert!(parse(b"a[b]=2&a=1").is_err());
        assert!(parse(b"a[]=1&a[x]=2").is_err());
    }

    #[test]
    fn a_nul_character_is_refused_naming_the_parameter() {
        let err = parse(b"type=document&metadata[k]=a%00b").unwrap_err();
        assert_eq!(err.param.as_deref(), Some("metadata[k]"));
        assert!(parse(b"meta%00data=x").is_err());
    }

    #[test]
    fn malformed_escapes_and_bad_utf8_are_refused() {
        assert!(parse(b"a=%zz").is_err());
        assert!(parse(b"a=%4").is_err());
        assert!(parse(b"a=%ff").is_err());
    }

    #[test]
    fn many_distinct_names_keep_their_order_and_last_values() {
        let mut raw = String::new();
        for i in 0..50_000 {
            raw.push_str(&format!("metadata[k{i}]=v{i}&"));
        }
        raw.push_str("metadata[k7]=again");
        let tree = parse(raw.as_bytes()).unwrap();
        let Some(Node::Map(entries)) = tree.get("metadata") else {
            panic!("metadata is a hash")
        };
        assert_eq!(entries.len(), 50_000);
        assert_eq!(entries[0].0, "k0");
        assert_eq!(entries[49_999].0, "k49999");
        assert_eq!(entries[7].1, v("again"));
    }

    #[test]
    fn unbalanced_brackets_are_taken_literally() {
        let tree = parse(b"a[b=1&c]=2&[x]=3").unwrap();
        assert_eq!(tree.get("a[b"), Some(&v("1")));
        assert_eq!(tree.get("c]"), Some(&v("2")));
        assert_eq!(tree.get("[x]"), Some(&v("3")));
    }

    mod fuzz {
        //! Property tests (a brief fuzzing run on every `cargo test`): whatever bytes a
        //! client sends, decoding ends in a tree or in a 400, never a panic or a 500, and
        //! takes time linear in the body.
        use super::super::parse;
        use proptest::prelude::*;

        /// Bodies that look like forms: names with brackets and indexes, escapes (valid and
        /// broken), separators, arbitrary bytes.
        fn formish() -> impl Strategy<Value = Vec<u8>> {
            let piece = prop_oneof![
                Just(b"[".to_vec()),
                Just(b"]".to_vec()),
                Just(b"[]".to_vec()),
                Just(b"=".to_vec()),
                Just(b"&".to_vec()),
                Just(b"%".to_vec()),
                Just(b"%00".to_vec()),
                Just(b"%5B".to_vec()),
                Just(b"%E2%82".to_vec()),
                Just(b"+".to_vec()),
                Just(b"metadata".to_vec()),
                Just(b"options[document][allowed_types]".to_vec()),
                "[a-z0-9_]{1,6}".prop_map(String::into_bytes),
                any::<u8>().prop_map(|b| vec![b]),
            ];
            proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

            #[test]
            fn any_bytes_decode_or_are_refused_with_a_400(
                raw in proptest::collection::vec(any::<u8>(), 0..1024)
            ) {
                if let Err(error) = parse(&raw) {
                    prop_assert_eq!(error.status.as_u16(), 400);
                }
            }

            #[test]
            fn form_shaped_bodies_decode_or_are_refused_with_a_400(raw in formish()) {
                if let Err(error) = parse(&raw) {
                    prop_assert_eq!(error.status.as_u16(), 400);
                }
            }
        }
    }
}
