// Outgoing mail: SMTP (nodemailer) when SMTP_URL is set; otherwise a development mailer that logs
// the message (its links included) so a developer can click through verification and resets.
import nodemailer from "nodemailer";
import type { Logger } from "../logger";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export function createMailer(config: { smtpUrl?: string; from: string }, log: Logger): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text });
      },
    };
  }
  return {
    async send(message) {
      log.info({ mailTo: message.to, subject: message.subject, body: message.text }, "mail (SMTP_URL unset: logged, not sent)");
    },
  };
}
