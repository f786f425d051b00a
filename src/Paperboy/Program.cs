using Paperboy.Cli;

return await CliApp.RunAsync(args);
