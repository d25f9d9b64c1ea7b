//! The two database backends behind one small query interface. Statements are written once,
//! with `?` placeholders (SQLite's form); for PostgreSQL they become `$1, $2, …` when run.
//! Values are bound through [`Arg`], rows read through [`DbRow`], and a statement runs on a
//! [`Target`]: a backend's read pool or a transaction's connection. Where the dialects
//! differ (row locks, `SKIP LOCKED`) the caller asks [`Backend`] for the right clause.

use crate::Result;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Decode, Postgres, Row, Sqlite, Type};
use std::borrow::Cow;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Clause that locks the rows a transaction reads for update. SQLite needs none: its
    /// writes are serialized on one connection.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Clause with which concurrent claimers pass over each other's rows instead of
    /// waiting for them.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'q> {
    Bool(bool),
    Int(Option<i64>),
    Text(Option<&'q str>),
    OwnedText(Option<String>),
    Bytes(Option<&'q [u8]>),
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Self {
        Arg::Text(Some(v))
    }
}
impl<'q> From<&'q String> for Arg<'q> {
    fn from(v: &'q String) -> Self {
        Arg::Text(Some(v))
    }
}
impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(v: Option<&'q str>) -> Self {
        Arg::Text(v)
    }
}
impl<'q> From<&'q Option<String>> for Arg<'q> {
    fn from(v: &'q Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::OwnedText(Some(v))
    }
}
impl<'q> From<Option<&'q [u8]>> for Arg<'q> {
    fn from(v: Option<&'q [u8]>) -> Self {
        Arg::Bytes(v)
    }
}
impl<'q> From<&'q [u8]> for Arg<'q> {
    fn from(v: &'q [u8]) -> Self {
        Arg::Bytes(Some(v))
    }
}

/// A statement and its values, built up front or piece by piece (`push`, `push_bind`).
#[derive(Debug, Clone)]
pub(crate) struct Sql<'q> {
    text: Cow<'q, str>,
    args: Vec<Arg<'q>>,
}

/// Builds a statement.
pub(crate) fn sql<'q>(text: impl Into<Cow<'q, str>>) -> Sql<'q> {
    Sql {
        text: text.into(),
        args: Vec::new(),
    }
}

impl<'q> Sql<'q> {
    pub(crate) fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.to_mut().push_str(text);
        self
    }

    pub(crate) fn push_bind(&mut self, value: impl Into<Arg<'q>>) -> &mut Self {
        self.text.to_mut().push('?');
        self.args.push(value.into());
        self
    }

    /// The same statement with `prefix` in front (e.g. `EXPLAIN `).
    pub(crate) fn prefixed(self, prefix: &str) -> Self {
        Self {
            text: format!("{prefix}{}", self.text).into(),
            args: self.args,
        }
    }

    /// The statement text as SQLite takes it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The text for PostgreSQL: each `?` outside quotes becomes `$n`.
    fn numbered(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut n = 0;
        let mut quoted = false;
        for c in self.text.chars() {
            match c {
                '\'' => {
                    quoted = !quoted;
                    out.push(c);
                }
                '?' if !quoted => {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                }
                _ => out.push(c),
            }
        }
        out
    }

    pub(crate) async fn execute(self, target: impl Into<Target<'_>>) -> Result<u64> {
        Ok(match target.into() {
            Target::SqlitePool(p) => sqlite(self.text(), &self.args)
                .execute(p)
                .await?
                .rows_affected(),
            Target::SqliteConn(c) => sqlite(self.text(), &self.args)
                .execute(c)
                .await?
                .rows_affected(),
            Target::PgPool(p) => postgres(&self.numbered(), &self.args)
                .execute(p)
                .await?
                .rows_affected(),
            Target::PgConn(c) => postgres(&self.numbered(), &self.args)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    pub(crate) async fn fetch_optional(
        self,
        target: impl Into<Target<'_>>,
    ) -> Result<Option<DbRow>> {
        Ok(match target.into() {
            Target::SqlitePool(p) => sqlite(self.text(), &self.args)
                .fetch_optional(p)
                .await?
                .map(DbRow::Sqlite),
            Target::SqliteConn(c) => sqlite(self.text(), &self.args)
                .fetch_optional(c)
                .await?
                .map(DbRow::Sqlite),
            Target::PgPool(p) => postgres(&self.numbered(), &self.args)
                .fetch_optional(p)
                .await?
                .map(DbRow::Postgres),
            Target::PgConn(c) => postgres(&self.numbered(), &self.args)
                .fetch_optional(c)
                .await?
                .map(DbRow::Postgres),
        })
    }

    pub(crate) async fn fetch_one(self, target: impl Into<Target<'_>>) -> Result<DbRow> {
        self.fetch_optional(target)
            .await?
            .ok_or_else(|| sqlx::Error::RowNotFound.into())
    }

    pub(crate) async fn fetch_all(self, target: impl Into<Target<'_>>) -> Result<Vec<DbRow>> {
        Ok(match target.into() {
            Target::SqlitePool(p) => rows(sqlite(self.text(), &self.args).fetch_all(p).await?),
            Target::SqliteConn(c) => rows(sqlite(self.text(), &self.args).fetch_all(c).await?),
            Target::PgPool(p) => rows(postgres(&self.numbered(), &self.args).fetch_all(p).await?),
            Target::PgConn(c) => rows(postgres(&self.numbered(), &self.args).fetch_all(c).await?),
        })
    }
}

fn rows<R: Into<DbRow>>(rows: Vec<R>) -> Vec<DbRow> {
    rows.into_iter().map(Into::into).collect()
}

fn sqlite<'a>(
    text: &'a str,
    args: &'a [Arg<'a>],
) -> sqlx::query::Query<'a, Sqlite, sqlx::sqlite::SqliteArguments<'a>> {
    let mut q = sqlx::query(text);
    for arg in args {
        q = match arg {
            Arg::Bool(v) => q.bind(*v),
            Arg::Int(v) => q.bind(*v),
            Arg::Text(v) => q.bind(*v),
            Arg::OwnedText(v) => q.bind(v.as_deref()),
            Arg::Bytes(v) => q.bind(*v),
        };
    }
    q
}

fn postgres<'a>(
    text: &'a str,
    args: &'a [Arg<'a>],
) -> sqlx::query::Query<'a, Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(text);
    for arg in args {
        q = match arg {
            Arg::Bool(v) => q.bind(*v),
            Arg::Int(v) => q.bind(*v),
            Arg::Text(v) => q.bind(*v),
            Arg::OwnedText(v) => q.bind(v.as_deref()),
            Arg::Bytes(v) => q.bind(*v),
        };
    }
    q
}

/// Where a statement runs.
pub(crate) enum Target<'c> {
    SqlitePool(&'c SqlitePool),
    SqliteConn(&'c mut SqliteConnection),
    PgPool(&'c PgPool),
    PgConn(&'c mut PgConnection),
}

/// A row of either backend.
pub(crate) enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl From<SqliteRow> for DbRow {
    fn from(r: SqliteRow) -> Self {
        DbRow::Sqlite(r)
    }
}
impl From<PgRow> for DbRow {
    fn from(r: PgRow) -> Self {
        DbRow::Postgres(r)
    }
}

impl DbRow {
    /// Column `name` as `T`. The schema fixes every column's type, so a mismatch is a bug
    /// in this crate (both backends' tests read every column).
    pub(crate) fn get<'r, T>(&'r self, name: &str) -> T
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
    {
        match self {
            DbRow::Sqlite(r) => r.get(name),
            DbRow::Postgres(r) => r.get(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        let mut q = sql("SELECT a FROM t WHERE b = ? AND c LIKE ? ESCAPE '?'");
        q.push(" AND d = ").push_bind(1_i64);
        assert_eq!(
            q.numbered(),
            "SELECT a FROM t WHERE b = $1 AND c LIKE $2 ESCAPE '?' AND d = $3"
        );
    }
}
