//! A process-wide, bounded cache of parse results keyed by content: the same
//! template text parsed under the same name, delimiters and function set
//! yields the same trees, so repeated renders of a chart and repeated `tpl`
//! calls over the same text parse once.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use crate::ast::Tree;

/// Most template text (bytes) the cache holds before it starts afresh
/// (parsed trees take a few times their text).
const MAX_BYTES: usize = 8 << 20;
/// Most entries the cache holds before it starts afresh.
const MAX_ENTRIES: usize = 4096;

/// What a parse depends on besides the text.
pub(crate) struct Key<'a> {
    pub funcs: u64,
    pub left: &'a str,
    pub right: &'a str,
    pub name: &'a str,
    pub text: &'a str,
}

impl Key<'_> {
    fn hash(&self) -> u64 {
        let mut h = crate::hash::Fx::default();
        self.funcs.hash(&mut h);
        self.left.hash(&mut h);
        self.right.hash(&mut h);
        self.name.hash(&mut h);
        self.text.hash(&mut h);
        h.finish()
    }
}

struct Entry {
    funcs: u64,
    left: Box<str>,
    right: Box<str>,
    trees: Arc<[Arc<Tree>]>,
}

impl Entry {
    fn matches(&self, key: &Key<'_>) -> bool {
        self.funcs == key.funcs
            && *self.left == *key.left
            && *self.right == *key.right
            && self
                .trees
                .first()
                .is_some_and(|t| *t.parse_name == *key.name && *t.text == *key.text)
    }
}

#[derive(Default)]
struct Cache {
    map: crate::hash::FastMap<u64, Vec<Entry>>,
    bytes: usize,
    entries: usize,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Cache::default()))
}

/// The trees parsed earlier for `key`, if any.
pub(crate) fn get(key: &Key<'_>) -> Option<Arc<[Arc<Tree>]>> {
    let h = key.hash();
    let c = cache().lock().unwrap_or_else(|e| e.into_inner());
    c.map
        .get(&h)?
        .iter()
        .find(|e| e.matches(key))
        .map(|e| e.trees.clone())
}

/// Remembers the trees parsed for `key` (the first tree is `key.name`'s own).
pub(crate) fn put(key: &Key<'_>, trees: Arc<[Arc<Tree>]>) {
    if key.text.len() > MAX_BYTES / 4 || trees.is_empty() {
        return;
    }
    let h = key.hash();
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    if c.bytes + key.text.len() > MAX_BYTES || c.entries >= MAX_ENTRIES {
        *c = Cache::default();
    }
    c.bytes += key.text.len();
    c.entries += 1;
    c.map.entry(h).or_default().push(Entry {
        funcs: key.funcs,
        left: key.left.into(),
        right: key.right.into(),
        trees,
    });
}
