//! A tiny SQL WHERE-clause builder with `$n` placeholders that both backends accept.

use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

/// One bound value.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A text value.
    Text(String),
    /// An integer value.
    Int(i64),
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(int: i64) -> Self {
        Arg::Int(int)
    }
}

/// Collects conditions and their arguments for one SELECT.
#[derive(Debug, Default)]
pub struct Where {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn placeholder(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// `column = value` when a value is given.
    pub fn eq(&mut self, column: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            let p = self.placeholder(Arg::Text(value.to_owned()));
            self.conditions.push(format!("{column} = {p}"));
        }
        self
    }

    /// `column IN (values…)` when the list is not empty.
    pub fn any_of(&mut self, column: &str, values: &[String]) -> &mut Self {
        if !values.is_empty() {
            let ps: Vec<String> = values
                .iter()
                .map(|v| self.placeholder(Arg::Text(v.clone())))
                .collect();
            self.conditions
                .push(format!("{column} IN ({})", ps.join(", ")));
        }
        self
    }

    /// A constant SQL condition with one `{}` per argument, each replaced by the
    /// argument's placeholder (the values are bound, never written into the SQL).
    pub fn condition(&mut self, template: &str, args: &[Arg]) -> &mut Self {
        let mut parts = template.split("{}");
        let mut sql = parts.next().unwrap_or_default().to_owned();
        for (part, arg) in parts.zip(args) {
            sql.push_str(&self.placeholder(arg.clone()));
            sql.push_str(part);
        }
        self.conditions.push(sql);
        self
    }

    /// `column OP value` for integer columns, when a value is given.
    pub fn int_cmp(&mut self, column: &str, op: &str, value: Option<i64>) -> &mut Self {
        if let Some(value) = value {
            let p = self.placeholder(Arg::Int(value));
            self.conditions.push(format!("{column} {op} {p}"));
        }
        self
    }

    /// Rows strictly after a `(sort key, id)` keyset position in descending order.
    pub fn before<I: Into<Arg>>(
        &mut self,
        key_column: &str,
        id_column: &str,
        position: Option<(i64, I)>,
    ) -> &mut Self {
        if let Some((key, id)) = position {
            let k = self.placeholder(Arg::Int(key));
            let i = self.placeholder(id.into());
            self.conditions.push(format!(
                "({key_column} < {k} OR ({key_column} = {k} AND {id_column} < {i}))"
            ));
        }
        self
    }

    /// The ` WHERE …` clause (empty when there are no conditions).
    pub fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The query for `sql` (built around [`Where::clause`]) with the arguments bound.
    /// Only constant column names and `$n` placeholders reach the SQL text; every value is bound.
    pub fn query(&self, sql: String) -> Query<'static, Any, AnyArguments> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for arg in &self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text.clone()),
                Arg::Int(int) => query.bind(*int),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_numbered_placeholders_in_order() {
        let mut w = Where::default();
        w.eq("namespace", Some("ns"))
            .eq("release_name", None)
            .any_of("state", &["running".into(), "pending".into()])
            .before("t", "id", Some((5, "x".to_owned())));
        assert_eq!(
            w.clause(),
            " WHERE namespace = $1 AND state IN ($2, $3) AND (t < $4 OR (t = $4 AND id < $5))"
        );
    }

    #[test]
    fn conditions_get_placeholders_for_their_arguments() {
        let mut w = Where::default();
        w.eq("owner", Some("helm")).condition(
            "EXISTS (SELECT 1 FROM l WHERE l.key = {} AND l.value = {})",
            &[Arg::Text("team".into()), Arg::Text("x'; --".into())],
        );
        assert_eq!(
            w.clause(),
            " WHERE owner = $1 AND EXISTS (SELECT 1 FROM l WHERE l.key = $2 AND l.value = $3)"
        );
    }
}
