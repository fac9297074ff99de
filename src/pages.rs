//! Narrative pages from `content/*.md`: TOML front matter between `+++` lines, then
//! Markdown (tables, footnotes, heading anchors), sanitised unless the config trusts it.

use crate::config::Project;
use crate::diag::{Code, Error, Location, Result};
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct ContentPage {
    pub slug: String,
    pub title: String,
    pub order: i64,
    pub url: String,
    pub html: String,
    /// The Markdown file, for error locations.
    pub source: std::path::PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(default)]
    order: i64,
}

/// Every `*.md` directly in the content folder, in navigation order. A symbolic link is
/// refused (see `read::file`): it could point outside the project.
pub fn load(project: &Project) -> Result<Vec<ContentPage>> {
    let dir = project.source_dir(&project.config.content)?;
    let mut pages = Vec::new();
    for path in crate::files::list(&dir, |name| name.ends_with(".md"))? {
        let text = crate::files::text(&path, "a content page")?;
        pages.push(parse(&path, &text, project.config.trust_html)?);
    }
    pages.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
    Ok(pages)
}

pub fn parse(path: &Path, text: &str, trust_html: bool) -> Result<ContentPage> {
    let slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    crate::read::catalog::check_slug(&slug)
        .map_err(|m| Error::at(Code::Content, Location::file_only(path), format!("file name: {m}")))?;
    let (front, body) = split_front_matter(path, text)?;
    let front: FrontMatter = toml::from_str(front).map_err(|e| {
        let line = e.span().map_or(0, |s| front[..s.start.min(front.len())].matches('\n').count());
        Error::at(Code::FrontMatter, Location::new(path, 2 + line), e.message().to_string())
    })?;
    let html = markdown(body);
    let html = if trust_html { normalize(&html) } else { sanitize(&html) };
    Ok(ContentPage {
        url: crate::urls::content_page(&slug),
        slug,
        title: front.title,
        order: front.order,
        html,
        source: path.to_path_buf(),
    })
}

/// `(front matter, body)`.
fn split_front_matter<'a>(path: &Path, text: &'a str) -> Result<(&'a str, &'a str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text.strip_prefix("+++\n").or_else(|| text.strip_prefix("+++\r\n")) else {
        return Err(Error::at(
            Code::FrontMatter,
            Location::new(path, 1),
            "page must start with +++, TOML front matter (title = \"…\"), and +++",
        ));
    };
    let Some(end) = rest.find("\n+++") else {
        return Err(Error::at(
            Code::FrontMatter,
            Location::new(path, 1),
            "front matter opened with +++ is never closed",
        ));
    };
    let front = &rest[..end + 1];
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    Ok((front, body))
}

fn markdown(body: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event> = Parser::new_ext(body, options).collect();
    let mut out = String::new();
    html::push_html(&mut out, with_table_captions(with_heading_ids(events)).into_iter());
    // Markdown tables have a header row only: say so to screen readers.
    out.replace("<th>", "<th scope=\"col\">").replace("<th style=", "<th scope=\"col\" style=")
}

/// Markdown cannot caption a table; use the heading it stands under, so every table in
/// the site has a caption.
fn with_table_captions(events: Vec<Event>) -> Vec<Event> {
    let mut out = Vec::with_capacity(events.len());
    let mut heading = String::new();
    let mut in_heading = false;
    for event in events {
        match &event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if in_heading => heading.push_str(t),
            _ => {}
        }
        let is_table = matches!(event, Event::Start(Tag::Table(_)));
        out.push(event);
        if is_table && !heading.is_empty() {
            out.push(Event::Html(CowStr::from(format!("<caption>{}</caption>", crate::html::escape(&heading)))));
        }
    }
    out
}

/// Give every heading an id from its text, so sections can be linked.
fn with_heading_ids(mut events: Vec<Event>) -> Vec<Event> {
    let mut used = std::collections::HashSet::new();
    for i in 0..events.len() {
        let Event::Start(Tag::Heading { id: None, .. }) = &events[i] else { continue };
        let text: String = events[i + 1..]
            .iter()
            .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.to_string()),
                _ => None,
            })
            .collect();
        let mut id: String = text.split_whitespace().collect::<Vec<_>>().join("-");
        if id.is_empty() {
            id = format!("section-{i}");
        }
        while !used.insert(id.clone()) {
            id.push('-');
        }
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
            *slot = Some(CowStr::from(id));
        }
    }
    events
}

/// Trusted HTML, kept whole but written again as a browser reads it: parsed as the body of
/// a page and serialised. Its attributes then come out as the templates and `sanitize`
/// write them, double-quoted and named in lower case, which is how the link check finds
/// links (`<a href='x'>` and `<A HREF=x>` would slip past it as written).
fn normalize(html: &str) -> String {
    parse_fragment(html).root_element().inner_html()
}

/// HTML parsed as the body of a page by a browser without scripts, so that what a
/// `<noscript>` holds is markup (checked, and indexed), not text.
pub(crate) fn parse_fragment(html: &str) -> scraper::Html {
    use html5ever::tendril::TendrilSink;
    use html5ever::{local_name, ns, ParseOpts, QualName};
    let mut opts = ParseOpts::default();
    opts.tree_builder.scripting_enabled = false;
    let body = QualName::new(None, ns!(html), local_name!("body"));
    let sink = scraper::HtmlTreeSink::new(scraper::Html::new_fragment());
    html5ever::driver::parse_fragment(sink, opts, body, Vec::new(), false).one(html)
}

/// Keep structure, ids and links; drop scripts, event handlers and `javascript:` URLs.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("th", ["scope"])
        .attribute_filter(|element, attribute, value| {
            // The site makes no request off the site: an image, video or audio source must
            // be a file beside it, not a URL elsewhere (a link may point anywhere).
            let fetched = matches!(element, "img" | "video" | "audio" | "source" | "track") && attribute == "src";
            let external =
                value.split(['/', '?', '#']).next().is_some_and(|first| first.contains(':')) || value.starts_with("//");
            if fetched && external {
                None
            } else {
                Some(value.into())
            }
        })
        .url_relative(ammonia::UrlRelative::PassThrough)
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    /// Trusted HTML keeps its scripts and handlers; its attributes come out as the link check
    /// reads them.
    #[test]
    fn trusted_html_is_kept_whole_in_a_normal_form() {
        let html =
            "<p><a href='a.html'>一</a> <A HREF=b.html ID=x>二</A> <a href = \"c.html\" onclick='go()'>三</a></p>\n\
                    <script>if (1 < 2) { run(\"<b>\") }</script><noscript><IMG SRC='p.gif'></noscript>";
        let out = super::normalize(html);
        for part in [
            "<a href=\"a.html\">一</a>",
            "<a href=\"b.html\" id=\"x\">二</a>",
            "<a href=\"c.html\" onclick=\"go()\">三</a>",
            "<script>if (1 < 2) { run(\"<b>\") }</script>",
            "<noscript><img src=\"p.gif\"></noscript>",
        ] {
            assert!(out.contains(part), "{part} in {out}");
        }
    }
}
