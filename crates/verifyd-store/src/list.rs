//! List queries: filters, keyset cursors and pages. Every list is ordered newest first by
//! (created, seq) and served by an index whose trailing columns are (created, seq), so the
//! cost of a page depends on the page size, not on how many rows the table holds, and a
//! page boundary never shifts when new rows are inserted.

use crate::db::{sql, Sql, Target};

/// A `created` filter: any combination of bounds (an exact value sets gte = lte).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreatedRange {
    pub gt: Option<i64>,
    pub gte: Option<i64>,
    pub lt: Option<i64>,
    pub lte: Option<i64>,
}

impl CreatedRange {
    pub fn exactly(value: i64) -> Self {
        Self {
            gte: Some(value),
            lte: Some(value),
            ..Self::default()
        }
    }

    pub(crate) fn push(&self, qb: &mut Sql<'_>) {
        if let Some(v) = self.gt {
            qb.push(" AND created > ").push_bind(v);
        }
        if let Some(v) = self.gte {
            qb.push(" AND created >= ").push_bind(v);
        }
        if let Some(v) = self.lt {
            qb.push(" AND created < ").push_bind(v);
        }
        if let Some(v) = self.lte {
            qb.push(" AND created <= ").push_bind(v);
        }
    }
}

/// Where a page starts: after (older than) or before (newer than) a given object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    StartingAfter(String),
    EndingBefore(String),
}

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

/// Filters of `GET /v1/identity/verification_sessions`.
#[derive(Debug, Clone, Default)]
pub struct SessionQuery {
    pub livemode: bool,
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub created: CreatedRange,
    pub status: Option<String>,
    pub client_reference_id: Option<String>,
    pub related_customer: Option<String>,
    pub related_customer_account: Option<String>,
}

/// Filters of `GET /v1/identity/verification_reports`.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub livemode: bool,
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub created: CreatedRange,
    pub report_type: Option<String>,
    pub verification_session: Option<String>,
    pub client_reference_id: Option<String>,
}

/// Resolved keyset position of a cursor object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position {
    pub created: i64,
    pub seq: i64,
}

/// Resolves a cursor to its keyset position in `table` (one of ours, never user input).
/// `Ok(None)` when the cursor names no row of this mode.
pub(crate) async fn cursor_position<'c>(
    reader: Target<'_>,
    table: &'static str,
    livemode: bool,
    cursor: Option<&'c Cursor>,
) -> crate::Result<Option<Option<(&'c Cursor, Position)>>> {
    let Some(cursor) = cursor else {
        return Ok(Some(None));
    };
    let id = match cursor {
        Cursor::StartingAfter(id) | Cursor::EndingBefore(id) => id,
    };
    let row = sql(format!(
        "SELECT created, seq FROM {table} WHERE id = ? AND livemode = ?"
    ))
    .bind(id.as_str())
    .bind(livemode)
    .fetch_optional(reader)
    .await?;
    Ok(row.map(|r| {
        Some((
            cursor,
            Position {
                created: r.get("created"),
                seq: r.get("seq"),
            },
        ))
    }))
}

/// Appends the cursor condition and ordering, and the LIMIT (one extra row to learn
/// `has_more`). Returns whether the rows come back oldest first (and must be reversed).
pub(crate) fn push_keyset(
    qb: &mut Sql<'_>,
    cursor: Option<(&Cursor, Position)>,
    limit: u32,
) -> bool {
    let ascending = matches!(cursor, Some((Cursor::EndingBefore(_), _)));
    if let Some((cursor, pos)) = cursor {
        let op = match cursor {
            Cursor::StartingAfter(_) => " < ",
            Cursor::EndingBefore(_) => " > ",
        };
        qb.push(" AND (created, seq)")
            .push(op)
            .push("(")
            .push_bind(pos.created)
            .push(", ")
            .push_bind(pos.seq)
            .push(")");
    }
    if ascending {
        qb.push(" ORDER BY created ASC, seq ASC");
    } else {
        qb.push(" ORDER BY created DESC, seq DESC");
    }
    qb.push(" LIMIT ").push_bind(i64::from(limit) + 1);
    ascending
}

/// Turns `limit + 1` fetched rows into a page.
pub(crate) fn into_page<T>(mut items: Vec<T>, limit: u32, ascending: bool) -> Page<T> {
    let has_more = items.len() > limit as usize;
    items.truncate(limit as usize);
    if ascending {
        items.reverse();
    }
    Page { items, has_more }
}
