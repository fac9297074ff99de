//! Japanese era dates (和暦) → ISO year-month, or year-month-day.

/// Each era: its first Gregorian year and its last era year (the current one open-ended).
const ERAS: [(&str, i32, i32); 5] =
    [("令和", 2019, 99), ("平成", 1989, 31), ("昭和", 1926, 64), ("大正", 1912, 15), ("明治", 1868, 45)];

/// `平成28年5月` → `2016-05`; `令和元年5月` → `2019-05`; `2016-05` and `2016年5月` as they are.
/// Full-width digits are accepted. A year beyond its era's end is refused, not wrapped.
pub fn parse(text: &str) -> Option<String> {
    let text: String = text.trim().chars().map(ascii_digit).collect();
    if let Some(iso) = gregorian(&text) {
        return Some(iso);
    }
    for (era, start, last) in ERAS {
        let Some(pos) = text.find(era) else { continue };
        let rest = &text[pos + era.len()..];
        let (year, rest) = rest.split_once('年')?;
        let year: i32 = if year == "元" { 1 } else { year.trim().parse().ok()? };
        let month: u32 = rest.split_once('月')?.0.trim().parse().ok()?;
        if !(1..=last).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        return Some(format!("{:04}-{:02}", start + year - 1, month));
    }
    None
}

/// A month as [`parse`] takes it, or a day of one: `2026-11-25`, `2026年11月25日`,
/// `令和8年11月25日` → `2026-11-25`. A day its month does not have is refused.
pub fn parse_day(text: &str) -> Option<String> {
    let text: String = text.trim().chars().map(ascii_digit).collect();
    let Some((month, day)) = split_day(&text) else { return parse(&text) };
    let month = parse(month)?;
    let day: u32 = day.trim().parse().ok()?;
    let (year, m) = month.split_once('-')?;
    let (year, m): (i32, u32) = (year.parse().ok()?, m.parse().ok()?);
    (1..=days_in(year, m)).contains(&day).then(|| format!("{month}-{day:02}"))
}

/// `2026-11-25` → (`2026-11`, `25`); `令和8年11月25日` → (`令和8年11月`, `25`).
fn split_day(text: &str) -> Option<(&str, &str)> {
    if let Some(rest) = text.strip_suffix('日') {
        let at = rest.rfind('月')? + '月'.len_utf8();
        return Some((&text[..at], &rest[at..]));
    }
    let (month, day) = text.rsplit_once('-')?;
    month.contains('-').then_some((month, day))
}

fn days_in(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2016-05` or `2016年5月`.
fn gregorian(text: &str) -> Option<String> {
    let (year, month) = text.split_once('-').or_else(|| text.strip_suffix('月')?.split_once('年'))?;
    let year: i32 = year.parse().ok().filter(|y| (1000..=9999).contains(y))?;
    let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some(format!("{year:04}-{month:02}"))
}

/// A full-width digit as its ASCII self (the documents write 平成２８年 as often as 平成28年);
/// any other character as it is.
pub fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        _ => c,
    }
}

/// The moment an ISO 8601 day (`2016-05-31`) begins, UTC, in seconds from 1970-01-01.
pub fn day_start(day: &str) -> Option<i64> {
    let mut parts = day.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's `days_from_civil`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (civil_from_days(days) == (if m <= 2 { y + 1 } else { y }, m as u32, d as u32)).then_some(days * 86_400)
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn days_become_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_792), (2026, 12, 5));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn dates_become_moments() {
        assert_eq!(super::day_start("1970-01-01"), Some(0));
        assert_eq!(super::day_start("2026-12-05"), Some(20_792 * 86_400));
        assert_eq!(super::day_start("2000-02-29"), Some(11_016 * 86_400));
        for bad in ["2001-02-29", "2016-13-01", "2016-05", "x"] {
            assert_eq!(super::day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn heisei_28_may_is_2016_05() {
        assert_eq!(parse("平成28年5月").as_deref(), Some("2016-05"));
    }

    #[test]
    fn first_year_of_an_era_is_written_gannen() {
        assert_eq!(parse("令和元年１０月").as_deref(), Some("2019-10"));
    }

    #[test]
    fn text_without_an_era_date_is_none() {
        assert_eq!(parse("平成"), None);
        assert_eq!(parse("平成28年13月"), None);
    }

    #[test]
    fn a_day_may_follow_the_month_in_either_calendar() {
        use super::parse_day;
        assert_eq!(parse_day("2026-11-25").as_deref(), Some("2026-11-25"));
        assert_eq!(parse_day("令和8年11月25日").as_deref(), Some("2026-11-25"));
        assert_eq!(parse_day("２０２６年１１月２５日").as_deref(), Some("2026-11-25"));
        assert_eq!(parse_day("令和元年5月").as_deref(), Some("2019-05"));
        assert_eq!(parse_day("2024-02-29").as_deref(), Some("2024-02-29"));
        for bad in ["2026-02-29", "2026-04-31", "2026-11-0", "2026-11-25-1", "令和8年11月32日", "きのう", "2026", ""]
        {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn gregorian_forms_and_era_bounds() {
        assert_eq!(parse("2026-04").as_deref(), Some("2026-04"));
        assert_eq!(parse("２０２６年４月").as_deref(), Some("2026-04"));
        assert_eq!(parse("平成31年4月").as_deref(), Some("2019-04"));
        for bad in ["平成32年1月", "平成99999999999年1月", "令和0年1月", "2026-13", "26-04", "平成28年13月"]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
