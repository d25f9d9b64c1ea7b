//! Parameter schemas and their validation. Each endpoint declares the exact parameters
//! Stripe's spec allows as a [`Shape`]; validation first refuses unknown parameters, then
//! checks types, enums and lengths, always naming the exact param path Stripe would
//! (`options[document][allowed_types][1]`). The result is a JSON tree in which an explicit
//! empty string ("unset") is `null`, ready for the endpoint to turn into domain values.

use crate::error::{ApiError, ApiResult};
use crate::form::Node;
use serde_json::{Map, Number, Value};

/// The expected type of one parameter.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A string, optionally with a maximum length in characters.
    Str(Option<usize>),
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    Bool,
    Int,
    Array(Box<Shape>),
    Object(Vec<(&'static str, Shape)>),
    /// Free-form metadata: string values, `""` unsets a key, `metadata=` unsets all.
    Metadata,
    /// `created`: an integer or a hash of `gt`, `gte`, `lt`, `lte` integers.
    Created,
    /// The inner shape, or `""` to unset (becomes `null`).
    Emptyable(Box<Shape>),
}

impl Shape {
    pub fn str5000() -> Shape {
        Shape::Str(Some(5000))
    }

    pub fn array(item: Shape) -> Shape {
        Shape::Array(Box::new(item))
    }

    pub fn emptyable(inner: Shape) -> Shape {
        Shape::Emptyable(Box::new(inner))
    }

    /// `expand[]`, accepted on every operation.
    pub fn expand() -> Shape {
        Shape::array(Shape::str5000())
    }
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}[{key}]")
    }
}

/// The elements of a node that should be an array: a `[]` list, or a hash whose keys are
/// all indices (`a[0]=…&a[1]=…`), ordered by index.
fn array_items(node: &Node) -> Option<Vec<(String, &Node)>> {
    match node {
        Node::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| (i.to_string(), n))
                .collect(),
        ),
        Node::Map(entries) => {
            let mut indexed = Vec::with_capacity(entries.len());
            for (k, n) in entries {
                let index: usize = k
                    .parse()
                    .ok()
                    .filter(|_| k.bytes().all(|b| b.is_ascii_digit()))?;
                indexed.push((index, k.clone(), n));
            }
            indexed.sort_by_key(|(i, _, _)| *i);
            Some(indexed.into_iter().map(|(_, k, n)| (k, n)).collect())
        }
        Node::Value(_) => None,
    }
}

/// First pass: the first parameter the shape does not know, in request order.
fn find_unknown(node: &Node, shape: &Shape, path: &str) -> Option<String> {
    match (shape, node) {
        (Shape::Emptyable(inner), _) => find_unknown(node, inner, path),
        (Shape::Object(fields), Node::Map(entries)) => {
            for (key, child) in entries {
                let child_path = child_path(path, key);
                match fields.iter().find(|(name, _)| name == key) {
                    None => return Some(child_path),
                    Some((_, field_shape)) => {
                        if let Some(found) = find_unknown(child, field_shape, &child_path) {
                            return Some(found);
                        }
                    }
                }
            }
            None
        }
        (Shape::Array(item), _) => array_items(node)?
            .into_iter()
            .find_map(|(index, child)| find_unknown(child, item, &child_path(path, &index))),
        _ => None,
    }
}

fn abbreviate(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 20 {
        return value.to_owned();
    }
    let head: String = chars[..10].iter().collect();
    let tail: String = chars[chars.len() - 10..].iter().collect();
    format!("{head}...{tail}")
}

fn one_of(values: &[&str]) -> String {
    match values {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} or {b}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    }
}

fn expect_value<'a>(node: &'a Node, path: &str, what: &str) -> ApiResult<&'a str> {
    match node {
        Node::Value(v) => Ok(v),
        _ => Err(ApiError::invalid(format!("Invalid {what}")).with_param(path)),
    }
}

fn parse_int(raw: &str, path: &str) -> ApiResult<i64> {
    let valid = !raw.is_empty()
        && raw
            .strip_prefix('-')
            .unwrap_or(raw)
            .bytes()
            .all(|b| b.is_ascii_digit());
    match raw.parse::<i64>() {
        Ok(n) if valid => Ok(n),
        _ => Err(ApiError::invalid(format!("Invalid integer: {raw}"))
            .with_code("parameter_invalid_integer")
            .with_param(path)),
    }
}

/// Second pass: types, enums and lengths.
fn check(node: &Node, shape: &Shape, path: &str) -> ApiResult<Value> {
    match shape {
        Shape::Emptyable(inner) => match node {
            Node::Value(v) if v.is_empty() => Ok(Value::Null),
            _ => check(node, inner, path),
        },
        Shape::Str(max) => {
            let v = match node {
                Node::Value(v) => v,
                _ => {
                    return Err(
                        ApiError::invalid("Invalid string: a hash or an array was given")
                            .with_param(path),
                    )
                }
            };
            if v.is_empty() {
                return Err(ApiError::empty_parameter(path));
            }
            if let Some(max) = max {
                if v.chars().count() > *max {
                    return Err(ApiError::invalid(format!(
                        "Invalid string: {}; must be at most {max} characters",
                        abbreviate(v)
                    ))
                    .with_param(path));
                }
            }
            Ok(Value::String(v.clone()))
        }
        Shape::Enum(values) => {
            let v = expect_value(node, path, "string")?;
            if v.is_empty() {
                return Err(ApiError::empty_parameter(path));
            }
            if values.contains(&v) {
                Ok(Value::String(v.to_owned()))
            } else {
                Err(
                    ApiError::invalid(format!("Invalid {path}: must be one of {}", one_of(values)))
                        .with_param(path),
                )
            }
        }
        Shape::Bool => {
            let v = expect_value(node, path, "boolean")?;
            match v {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "" => Err(ApiError::empty_parameter(path)),
                other => {
                    Err(ApiError::invalid(format!("Invalid boolean: {other}")).with_param(path))
                }
            }
        }
        Shape::Int => {
            let v = expect_value(node, path, "integer")?;
            if v.is_empty() {
                return Err(ApiError::empty_parameter(path));
            }
            Ok(Value::Number(Number::from(parse_int(v, path)?)))
        }
        Shape::Array(item) => {
            if let Node::Value(v) = node {
                return Err(if v.is_empty() {
                    ApiError::empty_parameter(path)
                } else {
                    ApiError::invalid("Invalid array").with_param(path)
                });
            }
            let items = array_items(node).ok_or_else(|| {
                ApiError::invalid("Invalid array: all keys must be numeric indices")
                    .with_param(path)
            })?;
            items
                .into_iter()
                .map(|(index, child)| check(child, item, &child_path(path, &index)))
                .collect::<ApiResult<Vec<_>>>()
                .map(Value::Array)
        }
        Shape::Object(fields) => {
            let entries = match node {
                Node::Map(entries) => entries,
                Node::Value(v) if v.is_empty() => return Err(ApiError::empty_parameter(path)),
                _ => return Err(ApiError::invalid("Invalid hash").with_param(path)),
            };
            let mut out = Map::new();
            for (key, child) in entries {
                let (name, field_shape) = fields
                    .iter()
                    .find(|(name, _)| name == key)
                    .ok_or_else(|| ApiError::unknown_parameter(&child_path(path, key)))?;
                out.insert(
                    (*name).to_owned(),
                    check(child, field_shape, &child_path(path, key))?,
                );
            }
            Ok(Value::Object(out))
        }
        Shape::Metadata => match node {
            Node::Value(v) if v.is_empty() => Ok(Value::Null),
            Node::Value(_) | Node::List(_) => {
                Err(ApiError::invalid("Invalid hash").with_param(path))
            }
            Node::Map(entries) => {
                let mut out = Map::new();
                for (key, child) in entries {
                    match child {
                        Node::Value(v) if v.is_empty() => {
                            out.insert(key.clone(), Value::Null);
                        }
                        Node::Value(v) => {
                            out.insert(key.clone(), Value::String(v.clone()));
                        }
                        _ => {
                            return Err(ApiError::invalid(format!(
                                "Invalid value type: {} must be a string",
                                child_path(path, key)
                            ))
                            .with_param(path))
                        }
                    }
                }
                Ok(Value::Object(out))
            }
        },
        Shape::Created => match node {
            Node::Value(v) if v.is_empty() => Err(ApiError::empty_parameter(path)),
            Node::Value(v) => Ok(Value::Number(Number::from(parse_int(v, path)?))),
            _ => check(
                node,
                &Shape::Object(vec![
                    ("gt", Shape::Int),
                    ("gte", Shape::Int),
                    ("lt", Shape::Int),
                    ("lte", Shape::Int),
                ]),
                path,
            ),
        },
    }
}

/// Validates a request's parameter tree against an endpoint's top-level fields.
pub fn validate(root: &Node, fields: Vec<(&'static str, Shape)>) -> ApiResult<Params> {
    let shape = Shape::Object(fields);
    if let Some(unknown) = find_unknown(root, &shape, "") {
        return Err(ApiError::unknown_parameter(&unknown));
    }
    match check(root, &shape, "")? {
        Value::Object(map) => Ok(Params(map)),
        _ => Ok(Params(Map::new())),
    }
}

/// Validated parameters: a JSON object where `null` means "sent as empty string".
#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.str(key).map(str::to_owned)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }

    /// The metadata change sent under `key` (`metadata=` clears all, `metadata[k]=` one key).
    pub fn metadata_update(&self, key: &str) -> Option<verifyd_core::metadata::MetadataUpdate> {
        use verifyd_core::metadata::MetadataUpdate;
        match self.0.get(key)? {
            Value::Null => Some(MetadataUpdate {
                clear_all: true,
                entries: Vec::new(),
            }),
            Value::Object(map) => Some(MetadataUpdate {
                clear_all: false,
                entries: map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
                    .collect(),
            }),
            _ => None,
        }
    }

    /// The `expand` list (empty when absent).
    pub fn expand(&self) -> Vec<String> {
        match self.0.get("expand") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::parse;

    fn document_options() -> Shape {
        Shape::emptyable(Shape::Object(vec![
            (
                "allowed_types",
                Shape::array(Shape::Enum(&["driving_license", "id_card", "passport"])),
            ),
            ("require_matching_selfie", Shape::Bool),
        ]))
    }

    fn fields() -> Vec<(&'static str, Shape)> {
        vec![
            ("client_reference_id", Shape::str5000()),
            ("expand", Shape::expand()),
            ("limit", Shape::Int),
            ("metadata", Shape::Metadata),
            (
                "options",
                Shape::Object(vec![("document", document_options())]),
            ),
            ("created", Shape::Created),
        ]
    }

    fn run(body: &str) -> ApiResult<Params> {
        validate(&parse(body.as_bytes()).unwrap(), fields())
    }

    #[test]
    fn unknown_parameters_are_named_by_their_full_path_before_type_errors() {
        let err = run("limit=abc&options[document][foo]=1").unwrap_err();
        assert_eq!(err.code, Some("parameter_unknown"));
        assert_eq!(err.param.as_deref(), Some("options[document][foo]"));
        assert_eq!(
            err.message,
            "Received unknown parameter: options[document][foo]"
        );
    }

    #[test]
    fn enum_errors_name_the_array_index() {
        let err = run(
            "options[document][allowed_types][0]=passport&options[document][allowed_types][1]=visa",
        )
        .unwrap_err();
        assert_eq!(
            err.param.as_deref(),
            Some("options[document][allowed_types][1]")
        );
        assert_eq!(
            err.message,
            "Invalid options[document][allowed_types][1]: must be one of driving_license, id_card, or passport"
        );
    }

    #[test]
    fn integers_booleans_and_lengths_are_checked() {
        let err = run("limit=1.5").unwrap_err();
        assert_eq!(err.code, Some("parameter_invalid_integer"));
        assert_eq!(err.message, "Invalid integer: 1.5");
        let err = run("options[document][require_matching_selfie]=yes").unwrap_err();
        assert_eq!(err.message, "Invalid boolean: yes");
        let long = "x".repeat(5001);
        let err = run(&format!("client_reference_id={long}")).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("client_reference_id"));
        assert!(err.message.ends_with("must be at most 5000 characters"));
    }

    #[test]
    fn empty_strings_unset_only_where_allowed() {
        let params = run("options[document]=&metadata=").unwrap();
        assert_eq!(params.get("metadata"), Some(&Value::Null));
        assert_eq!(params.get("options").unwrap()["document"], Value::Null);
        let err = run("client_reference_id=").unwrap_err();
        assert_eq!(err.code, Some("parameter_invalid_empty"));
        let params = run("metadata[a]=&metadata[b]=2").unwrap();
        assert_eq!(params.get("metadata").unwrap()["a"], Value::Null);
    }

    #[test]
    fn arrays_accept_brackets_and_indices_and_refuse_scalars() {
        assert_eq!(
            run("expand[]=a&expand[]=b").unwrap().expand(),
            vec!["a", "b"]
        );
        assert_eq!(
            run("expand[1]=b&expand[0]=a").unwrap().expand(),
            vec!["a", "b"]
        );
        assert_eq!(run("expand=a").unwrap_err().message, "Invalid array");
        assert!(run("expand[x]=a").is_err());
    }

    #[test]
    fn created_is_an_integer_or_a_range() {
        assert_eq!(run("created=5").unwrap().int("created"), Some(5));
        let p = run("created[gte]=5&created[lt]=9").unwrap();
        assert_eq!(p.get("created").unwrap()["lt"], 9);
        assert_eq!(
            run("created[foo]=1").unwrap_err().param.as_deref(),
            Some("created[foo]")
        );
    }

    #[test]
    fn metadata_values_must_be_strings() {
        let err = run("metadata[a][b]=1").unwrap_err();
        assert_eq!(err.param.as_deref(), Some("metadata"));
        assert_eq!(run("metadata=x").unwrap_err().message, "Invalid hash");
    }
}

#[cfg(test)]
mod robustness {
    //! Random and hostile inputs through the decoder and the validator: every one must end
    //! in Ok or a Stripe error, never a panic.
    use super::*;
    use crate::form::parse;

    /// xorshift64*: deterministic, so a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    fn schema() -> Vec<(&'static str, Shape)> {
        vec![
            ("client_reference_id", Shape::str5000()),
            ("expand", Shape::expand()),
            ("limit", Shape::Int),
            ("metadata", Shape::Metadata),
            ("created", Shape::Created),
            (
                "options",
                Shape::Object(vec![(
                    "document",
                    Shape::emptyable(Shape::Object(vec![
                        (
                            "allowed_types",
                            Shape::array(Shape::Enum(&["passport", "id_card"])),
                        ),
                        ("require_id_number", Shape::Bool),
                    ])),
                )]),
            ),
        ]
    }

    #[test]
    fn random_bodies_never_panic() {
        let tokens: &[&[u8]] = &[
            b"options",
            b"[document]",
            b"[allowed_types]",
            b"[]",
            b"[0]",
            b"[1]",
            b"[99999999999999999999]",
            b"metadata",
            b"[k]",
            b"expand",
            b"limit",
            b"created",
            b"[gte]",
            b"=",
            b"&",
            b"%",
            b"%2",
            b"%zz",
            b"%C3%A9",
            b"%ff",
            b"+",
            b"[",
            b"]",
            b"passport",
            b"true",
            b"-1",
            b"9223372036854775808",
            b"",
            b"\xff",
            b"\xc3",
            b"require_id_number",
            b"client_reference_id",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let shape = schema();
        for _ in 0..20_000 {
            let len = (rng.next() % 24) as usize;
            let mut body = Vec::new();
            for _ in 0..len {
                body.extend_from_slice(rng.pick(tokens));
            }
            if let Ok(tree) = parse(&body) {
                let _ = validate(&tree, shape.clone());
            }
        }
    }

    #[test]
    fn deep_nesting_and_huge_indices_are_handled() {
        let deep = format!("options{}=1", "[a]".repeat(10_000));
        let err = parse(deep.as_bytes()).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("options"));
        let ok_depth = format!("metadata{}=1", "[a]".repeat(31));
        let tree = parse(ok_depth.as_bytes()).unwrap();
        assert!(validate(&tree, schema()).is_err());
        let tree = parse(b"expand[18446744073709551616]=x&expand[0]=y").unwrap();
        assert!(validate(&tree, schema()).is_err());
        let tree = parse(b"limit=99999999999999999999999").unwrap();
        assert_eq!(
            validate(&tree, schema()).unwrap_err().code,
            Some("parameter_invalid_integer")
        );
    }
}
