using System.Threading.Channels;
using Paperboy.Mail;
using Paperboy.Storage;

namespace Paperboy.Subscriptions;

/// <summary>
/// Sends double opt-in mails in the background. The subscribe page only queues the subscription, so it answers in the
/// same time whether the address was new, pending or already subscribed (a mail sent inline would make the answer
/// for an unknown address measurably slower, telling a stranger who is subscribed). A transient SMTP failure is
/// retried with back-off; when it never goes through, the visitor subscribes again for a new link, as the mail says.
/// </summary>
public sealed class ConfirmationMailer(SubscriptionStore store, SubscriptionMail mail, SubscriptionLinks links, TimeProvider clock,
    ILogger<ConfirmationMailer> log) : BackgroundService
{
    /// <summary>Attempts per mail: the first, then after 2, 4, 8 and 16 s.</summary>
    public const int Attempts = 5;

    private readonly Channel<long> _queue = Channel.CreateBounded<long>(new BoundedChannelOptions(10_000)
        { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>Queues the confirmation mail of a pending subscription; false when the queue is full (the mail is not sent).</summary>
    public bool Enqueue(long subscriptionId)
    {
        if (_queue.Writer.TryWrite(subscriptionId)) return true;
        log.LogWarning("The confirmation-mail queue is full; subscription {Id} gets no mail", subscriptionId);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try { await SendAsync(id, stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { log.LogError(e, "Confirmation mail for subscription {Id} failed", id); }
        }
    }

    private async Task SendAsync(long id, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Read again each time: confirmed or unsubscribed meanwhile means there is nothing to send.
            if (await store.FindAsync(id, ct) is not { ConfirmedAt: null, UnsubscribedAt: null } subscription) return;
            try
            {
                await mail.SendConfirmationAsync(subscription, links.SiteUrl, ct);
                return;
            }
            catch (MailDeliveryException e) when (!e.Permanent && attempt < Attempts)
            {
                var wait = TimeSpan.FromSeconds(1 << attempt);
                log.LogWarning(e, "Confirmation mail for subscription {Id} not sent (attempt {Attempt}); trying again in {Wait}", id, attempt, wait);
                await Task.Delay(wait, clock, ct);
            }
            catch (MailDeliveryException e)
            {
                log.LogError(e, "Confirmation mail for subscription {Id} could not be sent", id);
                return;
            }
        }
    }
}
