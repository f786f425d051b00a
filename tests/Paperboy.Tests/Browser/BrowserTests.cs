using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Browser;

/// <summary>A real server (<c>paperboy serve</c> on Kestrel) and a real headless Chromium driven by ChromeDriver.</summary>
public sealed class BrowserSession : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;
    public ChromeDriver Driver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync();
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
            "--force-prefers-reduced-motion", "--hide-scrollbars", "--lang=en-US");
        try
        {
            Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        }
        catch
        {
            await Server.DisposeAsync();
            throw;
        }
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
    }

    public async Task DisposeAsync()
    {
        try { Driver?.Quit(); } finally { Driver?.Dispose(); await Server.DisposeAsync(); }
    }

    public void Open(string path) => Driver.Navigate().GoToUrl(new Uri(Server.BaseAddress, path));

    public WebDriverWait Wait(int seconds = 20) => PageWait(Driver, seconds);

    /// <summary>
    /// A wait that polls through a page being replaced under it (after a form post or a reload): an element found a
    /// moment before may be gone, which ChromeDriver reports as a stale element or, from its inspector, as an unknown
    /// error ("Node with given id does not belong to the document"). The condition is then asked again; a condition
    /// that never holds still times out, with the last error inside.
    /// </summary>
    public static WebDriverWait PageWait(IWebDriver driver, int seconds = 20)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(seconds));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(UnknownErrorException));
        return wait;
    }
}

/// <summary>What a visitor sees and does in a real browser: board, search, paper; the layout at desktop and phone widths.</summary>
public sealed class BrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private ChromeDriver Driver => session.Driver;

    [Fact]
    public void A_visitor_browses_searches_and_opens_a_paper()
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);

        // The front page shows cards of the newest day, styled by the stylesheet (no CSP violations).
        session.Open("/");
        var cards = Driver.FindElements(By.CssSelector("article.card"));
        Assert.NotEmpty(cards);
        Assert.Equal("Daily Papers · Paperboy", Driver.Title);
        Assert.Equal("flex", cards[0].GetCssValue("display"));
        Assert.NotEmpty(cards[0].FindElement(By.CssSelector(".title a")).Text);
        SaveScreenshot();

        // Type a query in the header's search box and submit it with Enter.
        var box = Driver.FindElement(By.Id("q"));
        Assert.Equal("Search papers", Driver.FindElement(By.CssSelector("label[for=q]")).GetAttribute("textContent"));
        box.SendKeys("activation function");
        box.SendKeys(Keys.Enter);
        session.Wait().Until(d => d.Url.Contains("/search?q=activation+function", StringComparison.Ordinal));
        Assert.Equal("activation function", Driver.FindElement(By.Id("q2")).GetAttribute("value"));
        var results = Driver.FindElements(By.CssSelector("article.card"));
        Assert.NotEmpty(results);
        var titles = results.Take(3).Select(r => r.FindElement(By.CssSelector(".title a")).Text).ToList();
        Assert.Contains("A Method on Searching Better Activation Functions", titles);
        var marks = Driver.FindElements(By.CssSelector("article.card mark"));
        Assert.NotEmpty(marks);
        Assert.All(marks.Take(10), m => Assert.Matches("(?i)^(activation|function)", m.Text));
        Assert.NotEqual("rgba(0, 0, 0, 0)", marks[0].GetCssValue("background-color"));

        // Open the paper from its result.
        results.First(r => r.Text.Contains("A Method on Searching Better Activation Functions", StringComparison.Ordinal))
            .FindElement(By.CssSelector(".title a")).Click();
        session.Wait().Until(d => d.Url.Contains("/papers/", StringComparison.Ordinal));
        Assert.Equal("A Method on Searching Better Activation Functions", Driver.FindElement(By.TagName("h1")).Text);
        Assert.Equal("A Method on Searching Better Activation Functions · Paperboy", Driver.Title);
        Assert.Equal("Abstract", Driver.FindElement(By.Id("abstract-h")).Text);
        Assert.True(Driver.FindElement(By.CssSelector("p.abstract")).Text.Length > 200);
        Assert.NotEmpty(Driver.FindElement(By.CssSelector(".votes .count")).Text);

        // The "/" key focuses the search box (site.js is allowed by the content security policy).
        Driver.FindElement(By.TagName("body")).SendKeys("/");
        Assert.Equal("q", Driver.SwitchTo().ActiveElement().GetAttribute("id"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/week/2023-W40")]
    [InlineData("/search?q=graph+neural+network")]
    [InlineData("/search")]
    [InlineData("/papers/t-000000000000")]
    public void Nothing_scrolls_sideways_at_360_px(string path)
    {
        Driver.Manage().Window.Size = new System.Drawing.Size(360, 800);
        try
        {
            session.Open(path);
            var width = Convert.ToInt64(Driver.ExecuteScript("return window.innerWidth;"));
            Assert.InRange(width, 300, 400);
            var scroll = Convert.ToInt64(Driver.ExecuteScript("return document.documentElement.scrollWidth;"));
            var client = Convert.ToInt64(Driver.ExecuteScript("return document.documentElement.clientWidth;"));
            Assert.True(scroll <= client, $"{path}: page is {scroll} px wide in a {client} px viewport");
            var wide = (string)Driver.ExecuteScript(
                "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]" +
                ".filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ');");
            Assert.True(wide == "", $"{path}: elements stick out: {wide}");
        }
        finally
        {
            Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);
        }
    }

    /// <summary>
    /// The home page as a user sees it. It goes to docs/screenshot.png (the README's picture) when
    /// PAPERBOY_UPDATE_SCREENSHOT=1, otherwise to the test output, so a test run leaves the checkout clean.
    /// </summary>
    private void SaveScreenshot()
    {
        var docs = Environment.GetEnvironmentVariable("PAPERBOY_UPDATE_SCREENSHOT") == "1"
            ? Path.Combine(RepoRoot.Path, "docs")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(docs);
        var shot = Driver.GetScreenshot();
        Assert.True(shot.AsByteArray.Length > 10_000, "the screenshot is suspiciously small");
        shot.SaveAsFile(Path.Combine(docs, "screenshot.png"));
    }
}
