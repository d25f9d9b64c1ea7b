//! The one error type of the HTTP layer. Every failure becomes Stripe's error object,
//! `{"error": {"type", "code"?, "param"?, "message", "doc_url"?}}`, with Stripe's status.
//! Internal causes are logged here, once, and never shown to the client.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Stripe's `error.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    ApiError,
    IdempotencyError,
    InvalidRequestError,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            ErrorType::ApiError => "api_error",
            ErrorType::IdempotencyError => "idempotency_error",
            ErrorType::InvalidRequestError => "invalid_request_error",
        }
    }
}

/// When an error happened relative to the start of the endpoint's work. Stripe saves the
/// response of an idempotent request once execution has begun, but not parameter
/// validation failures, which may be retried with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Validation,
    Execution,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: ErrorType,
    pub code: Option<&'static str>,
    pub param: Option<String>,
    pub message: String,
    pub stage: Stage,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type: ErrorType::InvalidRequestError,
            code: None,
            param: None,
            message: message.into(),
            stage: Stage::Validation,
        }
    }

    /// A 400 `invalid_request_error`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn with_type(mut self, error_type: ErrorType) -> Self {
        self.error_type = error_type;
        self
    }

    pub fn during_execution(mut self) -> Self {
        self.stage = Stage::Execution;
        self
    }

    pub fn unknown_parameter(param: &str) -> Self {
        Self::invalid(format!("Received unknown parameter: {param}"))
            .with_code("parameter_unknown")
            .with_param(param)
    }

    pub fn missing_parameter(param: &str) -> Self {
        Self::invalid(format!("Missing required param: {param}."))
            .with_code("parameter_missing")
            .with_param(param)
    }

    pub fn empty_parameter(param: &str) -> Self {
        Self::invalid(format!(
            "You passed an empty string for '{param}'. We assume empty values are an attempt to \
             unset a parameter; however '{param}' cannot be unset. You should remove '{param}' \
             from your request or supply a non-empty value."
        ))
        .with_code("parameter_invalid_empty")
        .with_param(param)
    }

    /// A 404 for an object named in the URL.
    pub fn no_such(object: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("No such {object}: '{id}'"))
            .with_code("resource_missing")
            .with_param("id")
            .during_execution()
    }

    /// A 400 for an object named by a parameter.
    pub fn no_such_param(object: &str, id: &str, param: &str) -> Self {
        Self::invalid(format!("No such {object}: '{id}'"))
            .with_code("resource_missing")
            .with_param(param)
    }

    /// A request the object's current state does not allow.
    pub fn wrong_state(message: impl Into<String>) -> Self {
        Self::invalid(message)
            .with_code("status_transition_invalid")
            .during_execution()
    }

    pub fn unrecognized_url(method: &str, path: &str) -> Self {
        let mut hint = String::new();
        if path.ends_with('/') || path.contains("//") {
            hint.push_str(
                "If you are trying to list objects, remove the trailing slash. If you are trying \
                 to retrieve an object, make sure you passed a valid (non-empty) identifier in \
                 your code. ",
            );
        }
        Self::new(
            StatusCode::NOT_FOUND,
            format!(
                "Unrecognized request URL ({method}: {path}). {hint}Please see https://stripe.com/docs \
                 or we can help at https://support.stripe.com/."
            ),
        )
    }

    /// A failure of ours. The cause is logged (it never carries request data) and the client
    /// sees a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An unknown error occurred. Please try again.",
        )
        .with_type(ErrorType::ApiError)
    }

    /// Another request or worker held the object this request needed (PostgreSQL
    /// serialization failure, deadlock or timeout): Stripe's 429 `lock_timeout`, which the
    /// SDKs retry. Nothing of the request was committed.
    pub fn lock_timeout(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "request lost a database race");
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "This object cannot be accessed right now because another API request or Stripe \
             process is currently accessing it. If you see this error intermittently, retry the \
             request. If you see this error frequently and are making multiple concurrent \
             requests to a single object, make your requests serially or at a lower rate.",
        )
        .with_code("lock_timeout")
    }

    /// The JSON body Stripe sends for this error.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        if let Some(code) = self.code {
            error.insert("code".into(), json!(code));
            error.insert(
                "doc_url".into(),
                json!(format!(
                    "https://stripe.com/docs/error-codes/{}",
                    code.replace('_', "-")
                )),
            );
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        error.insert("type".into(), json!(self.error_type.as_str()));
        json!({ "error": error })
    }
}

impl From<verifyd_store::StoreError> for ApiError {
    fn from(err: verifyd_store::StoreError) -> Self {
        if matches!(err, verifyd_store::StoreError::ClaimLost) {
            // This request ran past its idempotency key's lock and a retry with the same key
            // took over: ours is rolled back, and the retry's result is the one (replayed to
            // a further retry).
            return ApiError::new(
                StatusCode::CONFLICT,
                "There is currently another in-progress request using this Idempotent Key (that \
                 probably means you submitted twice, and the other request is still going \
                 through). Please try again later.",
            )
            .with_type(ErrorType::IdempotencyError)
            .with_code("idempotency_key_in_use");
        }
        if err.is_contention() {
            ApiError::lock_timeout(err)
        } else {
            ApiError::internal(err)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if self.status.is_server_error()
            || self.status == StatusCode::CONFLICT
            || self.code == Some("lock_timeout")
        {
            response
                .headers_mut()
                .insert("Stripe-Should-Retry", HeaderValue::from_static("true"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_race_is_stripes_retryable_lock_timeout() {
        let error = ApiError::lock_timeout("deadlock detected");
        assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
        let body = error.body();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "lock_timeout");
        assert!(!body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deadlock"));
        let response = error.into_response();
        assert_eq!(response.headers()["Stripe-Should-Retry"], "true");
    }

    #[test]
    fn other_store_errors_are_api_errors() {
        let error = ApiError::from(verifyd_store::StoreError::Corrupt("x".into()));
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.body()["error"]["type"], "api_error");
    }
}
