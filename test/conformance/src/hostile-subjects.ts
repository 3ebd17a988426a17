/**
 * Subjects that have broken file names somewhere: the naming list of the design (§5) and the
 * awkward names of rclone's encoding test, plus what breaks URL-based services.
 * @packageDocumentation
 */

/** One hostile subject and why it is on the list. */
export interface HostileSubject {
  /** Stable id, part of the check id (`names/hostile/<id>`). */
  id: string;
  subject: string;
  why: string;
}

/** @public */
export const HOSTILE_SUBJECTS: readonly HostileSubject[] = [
  { id: 'dot-dot', subject: '..', why: 'parent folder reference' },
  { id: 'dot', subject: '.', why: 'current folder reference' },
  { id: 'reserved-con', subject: 'CON', why: 'Windows device name' },
  { id: 'reserved-nul-ext', subject: 'nul.txt', why: 'Windows device name with an extension' },
  { id: 'reserved-lpt1', subject: 'lpt1', why: 'Windows device name, lower case' },
  { id: 'separators', subject: 'a/b\\c', why: 'both path separators' },
  { id: 'wildcards', subject: 'what?*<>|"', why: 'characters Windows forbids' },
  { id: 'colons', subject: 'Re: Fwd: agenda 10:30', why: 'colon (NTFS alternate data streams)' },
  { id: 'trailing-dots', subject: 'Minutes...', why: 'trailing dots are dropped by Win32' },
  { id: 'trailing-spaces', subject: 'Minutes   ', why: 'trailing spaces are dropped by Win32' },
  { id: 'leading-spaces', subject: '   Minutes', why: 'leading spaces (SharePoint, OneDrive)' },
  { id: 'controls', subject: 'Bell\u0007 nul\u0000 esc\u001b del\u007f c1\u0085', why: 'C0/C1 control characters and DEL' },
  { id: 'tabs-newlines', subject: 'Line one\r\nline\ttwo\nthree', why: 'CR, LF and TAB from folded headers' },
  { id: 'emoji', subject: 'Site visit 📎🏗️ 👩‍👩‍👧 done ✅', why: 'astral characters and ZWJ sequences' },
  { id: 'cjk', subject: '会議の議事録 회의록 会议纪要', why: 'CJK scripts' },
  { id: 'rtl', subject: 'ישיבת צוות اجتماع الفريق \u202Efdp.exe', why: 'right-to-left text and a bidi override hiding an extension' },
  { id: 'long-300', subject: 'Quarterly coordination meeting for the Surrey Court refurbishment '.repeat(5).slice(0, 300), why: '300-character subject' },
  { id: 'empty', subject: '', why: 'no subject at all' },
  { id: 'only-dots-spaces', subject: ' . .. . ', why: 'nothing usable left after trimming' },
  { id: 'tilde-lock', subject: '~$budget.xlsx', why: 'Office lock-file prefix (SharePoint refuses it)' },
  { id: 'nfd', subject: 'Re\u0301sume\u0301 cafe\u0301', why: 'decomposed Unicode must become NFC' },
  { id: 'url-chars', subject: 'Invoice 100% #5 & a+b=c ?x=1 %2F %00', why: 'characters with a meaning in URLs' },
  { id: 'lone-surrogate', subject: 'broken \ud800 surrogate', why: 'a lone UTF-16 surrogate (invalid Unicode)' },
  { id: 'desktop-ini', subject: 'desktop.ini', why: 'a name Windows Explorer treats specially' },
  { id: 'vti-inside', subject: 'Re: site_vti_bin access', why: 'SharePoint refuses _vti_ anywhere in a name' },
];
