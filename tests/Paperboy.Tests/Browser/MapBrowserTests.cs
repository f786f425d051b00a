using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Browser;

/// <summary>
/// The map, the trend explorer, keyboard navigation and an accessibility check (axe-core) on every kind of page,
/// in a real headless Chromium against <c>paperboy serve</c> on the demo corpus.
/// </summary>
public sealed class MapBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private OpenQA.Selenium.Chrome.ChromeDriver Driver => session.Driver;

    [Fact]
    public async Task The_map_loads_every_point_and_a_click_on_a_point_opens_its_paper()
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);
        var expected = JsonDocument.Parse(await session.Server.Client.GetStringAsync("api/topics")).RootElement
            .GetProperty("topics").EnumerateArray().Sum(t => t.GetProperty("size").GetInt32());
        Assert.True(expected > 250, $"the demo corpus should be on the map, found {expected} points");

        session.Open("/map");
        var canvas = Driver.FindElement(By.Id("map"));
        session.Wait(60).Until(_ => canvas.GetAttribute("data-ready") == "true");
        Assert.Equal(expected.ToString(), canvas.GetAttribute("data-points-total"));
        Assert.Equal(expected.ToString(), canvas.GetAttribute("data-points-loaded"));
        Assert.Equal((long)expected, Convert.ToInt64(Driver.ExecuteScript("return window.paperboyMap.count;")));
        // Something was drawn: the canvas has coloured pixels.
        var coloured = Convert.ToInt64(Driver.ExecuteScript(
            "const c = document.getElementById('map'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;"));
        Assert.True(coloured > expected, $"only {coloured} pixels drawn for {expected} points");
        SaveScreenshot("map.png");

        // The point farthest from its nearest neighbour on screen: a click on it can only mean that paper.
        var target = (IReadOnlyDictionary<string, object>)Driver.ExecuteScript("""
            const m = window.paperboyMap, c = document.getElementById('map'), w = c.clientWidth, h = c.clientHeight;
            c.scrollIntoView({ block: 'center' });
            const rect = c.getBoundingClientRect();
            let best = -1, bestGap = 0, at = null;
            for (let i = 0; i < m.count; i++) {
              const p = m.project(i);
              if (p.x < 20 || p.y < 20 || p.x > w - 20 || p.y > h - 20) continue;
              let gap = Infinity;
              for (let j = 0; j < m.count; j++) { if (j === i) continue; const q = m.project(j); gap = Math.min(gap, Math.hypot(p.x - q.x, p.y - q.y)); }
              if (gap > bestGap) { bestGap = gap; best = i; at = p; }
            }
            return { id: m.ids[best], x: at.x + rect.left, y: at.y + rect.top, gap: bestGap };
            """)!;
        var id = (string)target["id"];
        Assert.True(Convert.ToDouble(target["gap"]) > 4, "no point stands clear of the others");
        // The point's place in the viewport, from the page's own projection.
        var x = Convert.ToDouble(target["x"]);
        var y = Convert.ToDouble(target["y"]);
        Driver.ExecuteScript("window.__ev = []; for (const t of ['pointerdown','pointerup','click']) document.getElementById('map').addEventListener(t, e => window.__ev.push(t + ' ' + e.offsetX + ',' + e.offsetY + ' pick=' + window.paperboyMap.pick(e.offsetX, e.offsetY)));");
        new Actions(Driver).MoveToLocation((int)Math.Round(x), (int)Math.Round(y)).Click().Perform();
        try { session.Wait(10).Until(d => d.Url.Contains("/papers/", StringComparison.Ordinal)); }
        catch (WebDriverTimeoutException) { Assert.Fail($"no navigation to {id} at {target["x"]},{target["y"]}: " + string.Join(" | ", (IEnumerable<object>)Driver.ExecuteScript("return window.__ev;")!)); }
        Assert.EndsWith("/papers/" + Uri.EscapeDataString(id), Driver.Url);
        var title = JsonDocument.Parse(await session.Server.Client.GetStringAsync($"api/papers/{Uri.EscapeDataString(id)}")).RootElement.GetProperty("title").GetString();
        Assert.Equal(title, Driver.FindElement(By.TagName("h1")).Text);
    }

    [Fact]
    public void A_search_on_the_map_rings_its_hits()
    {
        session.Open("/map");
        var canvas = Driver.FindElement(By.Id("map"));
        session.Wait(60).Until(_ => canvas.GetAttribute("data-ready") == "true");
        var box = Driver.FindElement(By.Id("map-q"));
        box.SendKeys("diffusion");
        box.SendKeys(Keys.Enter);
        session.Wait().Until(_ => canvas.GetAttribute("data-highlighted") is { } h && int.Parse(h) > 0);
        Assert.Contains("ringed on the map", Driver.FindElement(By.Id("map-status")).Text);
        Assert.EndsWith("/map", Driver.Url);   // highlighted in place, not sent to the search page
    }

    [Fact]
    public void The_trend_explorer_draws_one_line_per_keyword()
    {
        session.Open("/trends");
        var box = Driver.FindElement(By.Id("terms"));
        box.SendKeys("diffusion, neural network");
        box.SendKeys(Keys.Enter);
        session.Wait().Until(d => d.Url.Contains("terms=", StringComparison.Ordinal));
        var chart = Driver.FindElement(By.Id("keyword-chart"));
        var paths = chart.FindElements(By.CssSelector("path.series"));
        Assert.Equal(2, paths.Count);
        Assert.All(paths, p => Assert.Matches(@"^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){5,}$", p.GetAttribute("d")));
        Assert.NotEqual(paths[0].GetAttribute("d"), paths[1].GetAttribute("d"));
        Assert.NotEqual(paths[0].GetCssValue("stroke"), paths[1].GetCssValue("stroke"));
        Assert.Equal(new[] { "diffusion", "neural network" }, chart.FindElements(By.CssSelector(".legend .key")).Select(k => k.Text));
        ((IJavaScriptExecutor)Driver).ExecuteScript("arguments[0].scrollIntoView({ block: 'center' })", chart);
        SaveElementScreenshot(chart, "trends.png");
    }

    [Fact]
    public void Slash_j_k_and_Enter_work_from_the_keyboard()
    {
        session.Open("/");
        var cards = Driver.FindElements(By.CssSelector("article.card"));
        Assert.True(cards.Count >= 3);
        var body = Driver.FindElement(By.TagName("body"));
        body.SendKeys("j");
        Assert.Equal(cards[0].FindElement(By.CssSelector(".title a")), Driver.SwitchTo().ActiveElement());
        Assert.Contains("current", cards[0].GetAttribute("class"));
        Driver.SwitchTo().ActiveElement().SendKeys("j");
        Driver.SwitchTo().ActiveElement().SendKeys("j");
        Assert.Equal(cards[2].FindElement(By.CssSelector(".title a")), Driver.SwitchTo().ActiveElement());
        Driver.SwitchTo().ActiveElement().SendKeys("k");
        var second = cards[1].FindElement(By.CssSelector(".title a"));
        Assert.Equal(second, Driver.SwitchTo().ActiveElement());
        Assert.DoesNotContain("current", cards[2].GetAttribute("class"));
        // The focus ring is visible on the focused link.
        Assert.NotEqual("none", second.GetCssValue("outline-style"));
        var href = second.GetAttribute("href");
        Driver.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        session.Wait().Until(d => d.Url == href);
        Driver.SwitchTo().ActiveElement().SendKeys("/");
        Assert.Equal("q", Driver.SwitchTo().ActiveElement().GetAttribute("id"));
        // Typing in the search box is typing, not navigation.
        Driver.SwitchTo().ActiveElement().SendKeys("jk");
        Assert.Equal("jk", Driver.FindElement(By.Id("q")).GetAttribute("value"));
    }

    /// <summary>Every kind of page (boards, a paper, search, the map, trends, topics, forms) in either colour scheme.</summary>
    public static TheoryData<string, string> Pages()
    {
        var pages = new TheoryData<string, string>();
        foreach (var scheme in new[] { "light", "dark" })
            foreach (var path in new[] { "/", "/papers/t-9da78b4e0fa9", "/search?q=diffusion+models", "/map", "/trends?terms=diffusion%2CGAN", "/topics",
                         "/topics/0", "/subscribe", "/account/signin" })
                pages.Add(scheme, path);
        return pages;
    }

    /// <summary>
    /// Each page with Chromium emulating the colour scheme: axe (text contrast included) finds nothing serious, and every
    /// chart line, legend key and axis label stands out from what it is drawn on (3:1 for lines, 4.5:1 for text).
    /// </summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public void Axe_finds_no_serious_violations_and_charts_keep_their_contrast(string scheme, string path)
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);
        EmulateColourScheme(scheme);
        try
        {
            session.Open(path);
            Assert.Equal(scheme == "dark", (bool)Driver.ExecuteScript("return matchMedia('(prefers-color-scheme: dark)').matches;")!);
            Assert.Equal(scheme == "dark" ? "rgba(17, 19, 23, 1)" : "rgba(251, 251, 250, 1)", Driver.FindElement(By.TagName("body")).GetCssValue("background-color"));
            AssertChartsContrast(path);
            AssertAccessible(path);
        }
        finally { EmulateColourScheme(""); }
    }

    /// <summary>
    /// Cumulative Layout Shift (every <c>layout-shift</c> entry Chromium buffered since navigation, the map's included once
    /// all its points are drawn) stays under 0.1, the "good" threshold; server-rendered pages should not shift at all.
    /// </summary>
    [Theory]
    [InlineData("/")]
    [InlineData("/search?q=diffusion+models")]
    [InlineData("/papers/t-9da78b4e0fa9")]
    [InlineData("/map")]
    [InlineData("/trends?terms=diffusion%2CGAN")]
    public void Nothing_shifts_while_a_page_loads(string path)
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);
        session.Open(path);
        if (path == "/map") session.Wait(60).Until(d => d.FindElement(By.Id("map")).GetAttribute("data-ready") == "true");
        Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(30);
        var json = (string)Driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            const shifts = [];
            new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) shifts.push(e); })
              .observe({ type: 'layout-shift', buffered: true });
            // Late work (fonts, images, scripts) gets a moment to land before the sum is taken.
            setTimeout(() => done(JSON.stringify({
              supported: PerformanceObserver.supportedEntryTypes.includes('layout-shift'),
              cls: shifts.reduce((s, e) => s + e.value, 0),
              sources: shifts.flatMap(e => (e.sources || []).map(s => e.value.toFixed(4) + ' ' + (s.node ? (s.node.id || s.node.className || s.node.nodeName) : '?'))),
            })), 1500);
            """)!;
        var result = JsonDocument.Parse(json).RootElement;
        Assert.True(result.GetProperty("supported").GetBoolean(), "this Chromium does not report layout shifts");
        var cls = result.GetProperty("cls").GetDouble();
        Assert.True(cls < 0.1, $"{path}: cumulative layout shift {cls:0.0000}: {result.GetProperty("sources")}");
    }

    private void AssertAccessible(string path)
    {
        Assert.DoesNotContain("Not found", Driver.Title);
        Driver.ExecuteScript(File.ReadAllText(AxeScript()));
        Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
        var json = (string)Driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary) })))))
              .catch(e => done(JSON.stringify([{ id: 'axe-error', help: String(e) }])));
            """)!;
        var violations = JsonDocument.Parse(json).RootElement;
        Assert.True(violations.GetArrayLength() == 0, $"{path}: {json}");
    }

    /// <summary>
    /// Contrast of the SVG charts and sparklines against the background they sit on (the nearest opaque one up the tree),
    /// which axe does not measure for strokes: WCAG 1.4.11 asks 3:1 for the lines and legend keys, 1.4.3 4.5:1 for axis labels.
    /// </summary>
    private void AssertChartsContrast(string path)
    {
        var json = (string)Driver.ExecuteScript("""
            const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
            const lum = ([r, g, b]) => { const f = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
            const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
            const backdrop = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
            const checks = [];
            const check = (el, what, colour, min) => checks.push({ what, ratio: ratio(rgb(colour), backdrop(el)), min });
            for (const p of document.querySelectorAll('svg .series')) check(p, 'line ' + p.getAttribute('class'), getComputedStyle(p).stroke, 3);
            for (const k of document.querySelectorAll('.legend .key')) check(k, 'key ' + k.textContent, getComputedStyle(k, '::before').backgroundColor, 3);
            for (const t of document.querySelectorAll('svg text.tick')) check(t, 'tick ' + t.textContent, getComputedStyle(t).fill, 4.5);
            return JSON.stringify(checks);
            """)!;
        var checks = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        if (path.StartsWith("/trends", StringComparison.Ordinal) || path.StartsWith("/topics/", StringComparison.Ordinal))
            Assert.True(checks.Count > 0, $"{path}: no chart found to check");
        var failed = checks.Where(c => c.GetProperty("ratio").GetDouble() < c.GetProperty("min").GetDouble())
            .Select(c => $"{c.GetProperty("what")} {c.GetProperty("ratio").GetDouble():0.00}:1 < {c.GetProperty("min")}:1").Distinct().ToList();
        Assert.True(failed.Count == 0, $"{path}: " + string.Join("; ", failed));
    }

    /// <summary>Chromium's emulation of <c>prefers-color-scheme</c> (DevTools protocol); empty for the browser's own setting again.</summary>
    private void EmulateColourScheme(string scheme) =>
        Driver.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object>
        {
            ["features"] = scheme == "" ? Array.Empty<object>() : new object[] { new Dictionary<string, object> { ["name"] = "prefers-color-scheme", ["value"] = scheme } },
        });

    [Theory]
    [InlineData("/map")]
    [InlineData("/trends?terms=diffusion%2CGAN")]
    [InlineData("/topics/0")]
    public void Nothing_scrolls_sideways_at_360_px_on_the_new_pages(string path)
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(360, 800);
        try
        {
            session.Open(path);
            var scroll = Convert.ToInt64(Driver.ExecuteScript("return document.documentElement.scrollWidth;"));
            var client = Convert.ToInt64(Driver.ExecuteScript("return document.documentElement.clientWidth;"));
            Assert.True(scroll <= client, $"{path}: page is {scroll} px wide in a {client} px viewport");
        }
        finally { Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900); }
    }

    /// <summary>axe-core from npm (tests/browser-support, installed by test.sh with npm ci); installed here when missing.</summary>
    private static string AxeScript()
    {
        var dir = Path.Combine(RepoRoot.Path, "tests", "browser-support");
        var script = Path.Combine(dir, "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(script))
        {
            var psi = new System.Diagnostics.ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            using var npm = System.Diagnostics.Process.Start(psi)!;
            npm.WaitForExit(120_000);
            Assert.True(File.Exists(script), $"axe-core is not installed and npm ci failed: {npm.StandardError.ReadToEnd()}");
        }
        return script;
    }

    private string ShotsDir()
    {
        var docs = Environment.GetEnvironmentVariable("PAPERBOY_UPDATE_SCREENSHOT") == "1"
            ? Path.Combine(RepoRoot.Path, "docs")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(docs);
        return docs;
    }

    private void SaveScreenshot(string name)
    {
        var shot = Driver.GetScreenshot();
        Assert.True(shot.AsByteArray.Length > 10_000, "the screenshot is suspiciously small");
        shot.SaveAsFile(Path.Combine(ShotsDir(), name));
    }

    private void SaveElementScreenshot(IWebElement element, string name)
    {
        var shot = ((ITakesScreenshot)element).GetScreenshot();
        Assert.True(shot.AsByteArray.Length > 5_000, "the screenshot is suspiciously small");
        shot.SaveAsFile(Path.Combine(ShotsDir(), name));
    }
}
