#include "codex/turn_end.h"

#include <gtest/gtest.h>

#include "rpc/transport.h"

namespace companion::codex {
namespace {

TurnResult finished(std::optional<TurnStatus> status, std::string error = {}) {
  TurnResult r;
  r.status = status;
  r.error_message = std::move(error);
  return r;
}

TEST(TurnEnd, TheCapturedStatusNamesTheEnd) {
  EXPECT_EQ(capture_end(finished(TurnStatus::kCompleted)).reason, TurnEnd::kCompleted);
  End interrupted = capture_end(finished(TurnStatus::kInterrupted));
  EXPECT_EQ(interrupted.reason, TurnEnd::kCancelled);
  EXPECT_EQ(interrupted.message, "The turn was interrupted.");
  End failed = capture_end(finished(TurnStatus::kFailed, "HTTP 500"));
  EXPECT_EQ(failed.reason, TurnEnd::kTurnFailed);
  EXPECT_EQ(failed.message, "HTTP 500");
  EXPECT_FALSE(failed.interrupt);
  EXPECT_EQ(capture_end(finished(TurnStatus::kFailed)).message,
            "Codex reported the turn as failed.");
}

// An id Codex sent that we cannot use fails the turn as error, and the turn is interrupted
// (it goes on in Codex otherwise).
TEST(TurnEnd, AProtocolErrorIsAnErrorThatInterrupts) {
  TurnResult r = finished(TurnStatus::kFailed, "protocol error: ...");
  r.protocol_error = true;
  End end = capture_end(r);
  EXPECT_EQ(end.reason, TurnEnd::kError);
  EXPECT_TRUE(end.interrupt);
  EXPECT_EQ(end.message, "protocol error: ...");
}

TEST(TurnEnd, AClosedConnectionBlamesWhatWasBehindIt) {
  rpc::CloseInfo info{"Codex app-server exited (exit code 1)", "", false};
  End direct = closed_end(info, false, "during the turn");
  EXPECT_EQ(direct.reason, TurnEnd::kAppServerExited);
  EXPECT_FALSE(direct.broker_failure);
  EXPECT_EQ(direct.message, "Codex app-server exited (exit code 1) during the turn");
  End broker = closed_end(info, true, "before the turn started");
  EXPECT_EQ(broker.reason, TurnEnd::kBrokerLost);
  EXPECT_TRUE(broker.broker_failure);
  info.protocol_error = true;
  EXPECT_EQ(closed_end(info, false, "during the turn").reason, TurnEnd::kError);
}

TEST(TurnEnd, TheBrokersShutdownCauseNamesTheEnd) {
  End exited = broker_end("app-server-exited", "its app-server exited", "during the turn");
  EXPECT_EQ(exited.reason, TurnEnd::kAppServerExited);
  EXPECT_TRUE(exited.broker_failure);
  EXPECT_EQ(exited.message,
            "the shared Codex broker shut down during the turn: its app-server exited");
  EXPECT_EQ(broker_end("idle", "no clients", "during the turn").reason, TurnEnd::kBrokerLost);
}

TEST(TurnEnd, TimersAndTheUserInterruptTheTurn) {
  End stalled = stalled_end(600000);
  EXPECT_EQ(stalled.reason, TurnEnd::kStalled);
  EXPECT_EQ(stalled.message, "No activity from Codex for 600 s");
  EXPECT_TRUE(stalled.interrupt);
  End deadline = deadline_end(300);
  EXPECT_EQ(deadline.reason, TurnEnd::kDeadline);
  EXPECT_EQ(deadline.message, "Job deadline of 0.3 s reached");
  EXPECT_TRUE(deadline.interrupt);
  EXPECT_EQ(cancelled_by_user().reason, TurnEnd::kCancelled);
  EXPECT_TRUE(cancelled_by_user().interrupt);
}

TEST(TurnEnd, AVanishedWorkspaceTakesTheBlameForFailuresOnly) {
  End failed{TurnEnd::kAppServerExited, "exited", false};
  End gone = blame_a_vanished_workspace(failed, true, "/ws");
  EXPECT_EQ(gone.reason, TurnEnd::kWorkspaceGone);
  EXPECT_EQ(gone.message, "The workspace /ws was deleted or moved while the job ran.");
  EXPECT_FALSE(gone.interrupt);  // kept from the end it replaces
  EXPECT_TRUE(blame_a_vanished_workspace(End{TurnEnd::kStalled, "", true}, true, "/ws").interrupt);
  EXPECT_EQ(blame_a_vanished_workspace(failed, false, "/ws").reason, TurnEnd::kAppServerExited);
  for (TurnEnd kept : {TurnEnd::kCompleted, TurnEnd::kCancelled}) {
    EXPECT_EQ(blame_a_vanished_workspace(End{kept, ""}, true, "/ws").reason, kept);
  }
}

}  // namespace
}  // namespace companion::codex
