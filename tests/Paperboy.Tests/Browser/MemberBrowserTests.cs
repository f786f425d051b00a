using System.Text.RegularExpressions;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Paperboy.Tests.Support;

namespace Paperboy.Tests.Browser;

/// <summary>
/// A member's first minutes in a real Chromium against a real server and a real SMTP server: sign up, confirm from the
/// mail, sign in, upvote without a page reload.
/// </summary>
public sealed class MemberBrowserTests : IAsyncLifetime
{
    private SmtpServer _smtp = null!;
    private ServerProcess _server = null!;
    private ChromeDriver _driver = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpServer.StartAsync();
        _server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["PAPERBOY_Smtp__Host"] = _smtp.Host,
            ["PAPERBOY_Smtp__Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PAPERBOY_Smtp__Security"] = "None",
        });
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US");
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
    }

    public async Task DisposeAsync()
    {
        try { _driver?.Quit(); } finally { _driver?.Dispose(); await _server.DisposeAsync(); await _smtp.DisposeAsync(); }
    }

    private void Open(string path) => _driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, path));
    private WebDriverWait Wait() => BrowserSession.PageWait(_driver);
    private void Fill(string id, string text) { var e = _driver.FindElement(By.Id(id)); e.Clear(); e.SendKeys(text); }

    [Fact]
    public async Task A_visitor_signs_up_confirms_signs_in_upvotes_comments_and_makes_a_collection()
    {
        var email = $"lin-{Guid.NewGuid():N}@example.org";
        Open("/account/signup");
        Fill("Form_Email", email);
        Fill("Form_DisplayName", "Lin");
        Fill("Form_Password", "a long enough passphrase");
        _driver.FindElement(By.CssSelector("form.stack button[type=submit]")).Click();
        Wait().Until(d => d.PageSource.Contains("Check your inbox"));

        var mail = await _smtp.WaitForMessageAsync(m => m.To.Mailboxes.Any(a => a.Address == email));
        var link = Regex.Match(mail.TextBody, @"https?://\S+/account/confirm\?\S+").Value;
        _driver.Navigate().GoToUrl(link);
        Wait().Until(d => d.PageSource.Contains("Your address is confirmed"));

        Open("/account/signin");
        Fill("Form_Email", email);
        Fill("Form_Password", "a long enough passphrase");
        _driver.FindElement(By.CssSelector("form.stack button[type=submit]")).Click();
        Wait().Until(d => d.FindElements(By.CssSelector("header .account a")).Any(a => a.Text == "Lin"));

        Open("/date/2023-10-04");
        var card = _driver.FindElements(By.CssSelector("article.card")).First(c => c.Text.Contains("Rayleigh Quotient"));
        var button = card.FindElement(By.CssSelector("button.votes"));
        var before = int.Parse(button.FindElement(By.CssSelector(".count")).Text);
        ((IJavaScriptExecutor)_driver).ExecuteScript("window.__noReload = true;");
        button.Click();
        Wait().Until(_ => button.GetAttribute("aria-pressed") == "true");
        Assert.Equal(before + 1, int.Parse(button.FindElement(By.CssSelector(".count")).Text));
        Assert.Equal(true, ((IJavaScriptExecutor)_driver).ExecuteScript("return window.__noReload === true;"));

        // The vote is stored: a fresh load shows it.
        Open("/date/2023-10-04");
        var again = _driver.FindElements(By.CssSelector("article.card")).First(c => c.Text.Contains("Rayleigh Quotient"));
        Assert.Equal("true", again.FindElement(By.CssSelector("button.votes")).GetAttribute("aria-pressed"));

        // A comment in Markdown, rendered (and sanitised) on the paper page.
        again.FindElement(By.CssSelector("h3.title a")).Click();
        Wait().Until(d => d.FindElements(By.Id("comment-new")).Count == 1);
        var paperUrl = _driver.Url;
        _driver.FindElement(By.Id("comment-new")).SendKeys("The **spectral** view <script>alert(1)</script> is neat.");
        _driver.FindElement(By.CssSelector("form.comment-form button[type=submit]")).Click();
        Wait().Until(d => d.FindElements(By.CssSelector("li.comment strong")).Any(e => e.Text == "spectral"));
        Assert.Empty(_driver.FindElements(By.CssSelector("li.comment script")));

        // A public collection, then the paper added to it from its page.
        Open("/collections");
        Fill("Name", "Graph anomalies");
        _driver.FindElement(By.CssSelector("input[name=IsPublic]")).Click();
        _driver.FindElement(By.CssSelector("form.collection-form button[type=submit]")).Click();
        Wait().Until(d => d.PageSource.Contains("Graph anomalies"));
        _driver.Navigate().GoToUrl(paperUrl);
        _driver.FindElement(By.CssSelector("form.add-to-collection button[type=submit]")).Click();
        Wait().Until(d => d.FindElements(By.CssSelector("#collections a")).Any(a => a.Text.Contains("Graph anomalies")));
        _driver.Navigate().GoToUrl(_driver.FindElements(By.CssSelector("#collections a")).First(a => a.Text.Contains("Graph anomalies")).GetAttribute("href"));
        Wait().Until(d => d.FindElements(By.CssSelector("article.card")).Any(c => c.Text.Contains("Rayleigh Quotient")));
    }
}
