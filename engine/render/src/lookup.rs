//! Helm's `lookup` template function: the live object or list through the
//! render's [`ClusterAccess`], an empty map when the cluster says NotFound or
//! when the render has no cluster (Helm's offline placeholder).

use helmd_gotmpl::{CallContext, FuncError, FuncResult};
use helmd_yaml::Value;

use crate::host::{LookupError, LookupRequest, RenderHost};

/// How many bytes of values one byte of a lookup's JSON answer becomes, at most
/// about (maps' slots and keys, strings' headers).
const ANSWER_EXPANSION: usize = 4;

/// `lookup apiVersion kind namespace name` (arguments checked as strings).
pub(crate) fn lookup(cx: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let Some(host) = cx.host::<RenderHost>() else {
        return Ok(Value::empty_map());
    };
    let Some(cluster) = host.cluster.clone() else {
        return Ok(Value::empty_map());
    };
    let interrupt = host.interrupt.clone();
    let arg = |i: usize| a.get(i).and_then(Value::as_str).unwrap_or_default();
    let request = LookupRequest {
        api_version: arg(0),
        kind: arg(1),
        namespace: arg(2),
        name: arg(3),
    };
    // The answer must fit in the room the render has left: its values take a few
    // times its JSON bytes, so it may hold a quarter of that. The whole value is
    // charged afterwards (memory.rs counts `lookup` as a fresh result).
    let room = cx.memory_room();
    match cluster.lookup(&request, room / ANSWER_EXPANSION, &interrupt) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Ok(Value::empty_map()),
        Err(LookupError::Failed(message)) => Err(FuncError::Message(message)),
        Err(LookupError::TooLarge) => {
            cx.ensure_room(room.saturating_add(1))?;
            Err(FuncError::Limit(String::new()))
        }
        Err(LookupError::TimedOut(message)) => Err(FuncError::Limit(message)),
        Err(LookupError::Stopped) => Err(FuncError::Limit("render stopped".into())),
    }
}

#[cfg(test)]
mod tests;
